"""Issue 14's CLI fixes on a real PostgreSQL server: `due` with tomorrow, the next 7 days and
locked decks, --deck by title, and no backup left by an import that failed."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from sqlalchemy import select, update

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.scheduling.service import ReviewService
from studyapp.storage.db import open_database
from studyapp.storage.models import STATE_REVIEW, Card, CardState, Deck
from studyapp.storage.safety_copy import server_backup_dir
from tests.scheduling.conftest import curriculum_files, write_root


def cli(clock, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_due_outlook_locks_and_titles_on_postgresql(pg_url, clock, tmp_path):
    database = open_database(pg_url)
    with database.unit_of_work() as session:
        sync_content(session, load_content([write_root(tmp_path, curriculum_files())]), clock.now())
    tomorrow = ReviewService(database, clock).today_end()
    with database.unit_of_work() as session:
        ids = list(session.scalars(select(Card.id).join(Deck).where(Deck.slug == "big").order_by(Card.id).limit(2)))
        session.execute(update(CardState).where(CardState.card_id.in_(ids)).values(
            state=STATE_REVIEW, due=tomorrow + timedelta(hours=2), last_review=clock.now(), stability=3.0,
            difficulty=5.0, reps=1))
    database.dispose()
    code, out, err = cli(clock, "--db", pg_url, "due", "--json")
    assert code == 0, err
    decks = {d["slug"]: d for d in json.loads(out)["decks"]}
    assert (decks["big"]["tomorrow"], decks["big"]["next_7_days"]) == (2, 2)
    assert decks["momentum"]["lock"]["after"][0]["title"] == "Sgd"
    code, out, err = cli(clock, "--db", pg_url, "due", "--deck", "BIG", "--json")
    assert code == 0 and [d["slug"] for d in json.loads(out)["decks"]] == ["big"], err


def test_a_failed_import_leaves_no_backup_on_postgresql(pg_url, clock, tmp_path):
    assert cli(clock, "--db", pg_url, "decks")[0] == 0  # the shipped content: something to back up
    bad = tmp_path / "bad.csv"
    bad.write_text("front,back\nWhat is ReLU?,max(0, x)\n", encoding="utf-8")
    before = sorted(server_backup_dir().glob("*.json")) if server_backup_dir().is_dir() else []
    code, out, err = cli(clock, "--db", pg_url, "import", str(bad), "--deck", "Mine")
    assert code == 2 and "bad.csv:2: 3 fields" in err and "backed up" not in err
    content_deck = tmp_path / "ok.csv"
    content_deck.write_text("front,back\nq,a\n", encoding="utf-8")
    code, _, err = cli(clock, "--db", pg_url, "import", str(content_deck), "--deck", "Optimizers")
    assert code == 2 and "comes from the content files" in err  # failed while writing
    after = sorted(server_backup_dir().glob("*.json")) if server_backup_dir().is_dir() else []
    assert after == before
