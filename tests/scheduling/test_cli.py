"""`studyapp due` and `studyapp optimize` in-process, on a file database."""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.clock import FixedClock
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.scheduling.presets import load_parameters
from studyapp.scheduling.simulate import make_deck, simulate_history, write_history
from studyapp.storage.db import open_database
from tests.scheduling.conftest import curriculum_files, write_root


@pytest.fixture
def file_db_url(file_db_url, clock, tmp_path):
    """A file database holding the test curriculum (so the shipped content is not synced)."""
    database = open_database(file_db_url)
    with database.unit_of_work() as session:
        sync_content(session, load_content([write_root(tmp_path, curriculum_files())]), clock.now())
    database.dispose()
    return file_db_url


def run_cli(args, db_url, clock):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_due_json_counts_every_deck(file_db_url, clock):
    code, out, err = run_cli(["due", "--json"], file_db_url, clock)
    assert code == 0, err
    document = json.loads(out)
    assert document["decks"] and {"slug", "title", "new", "learning", "review", "total"} <= set(document["decks"][0])
    assert [d["slug"] for d in document["decks"]] == ["sgd", "momentum", "adam", "big"]
    assert [d["new"] for d in document["decks"]] == [6, 0, 0, 20]
    assert document["total"]["new"] == 26
    assert document["total"]["review"] == 0


def test_due_table_and_unknown_deck(file_db_url, clock):
    code, out, _ = run_cli(["due"], file_db_url, clock)
    assert code == 0 and "learning" in out and any(line.startswith("total") for line in out.splitlines())
    assert "tomorrow" in out and "7 days" in out
    code, _, err = run_cli(["due", "--deck", "no-such-deck"], file_db_url, clock)
    assert code == 2 and "no deck 'no-such-deck'" in err


def test_optimize_refuses_clearly_without_history(file_db_url, clock):
    code, out, err = run_cli(["optimize"], file_db_url, clock)
    assert code == 2 and out == ""
    assert "too few reviews" in err and "Traceback" not in err


def test_optimize_fits_saves_and_reschedules(file_db_url):
    clock = FixedClock(datetime(2025, 9, 1, 12, tzinfo=UTC))
    database = open_database(file_db_url)
    with database.unit_of_work() as session:
        write_history(session, make_deck(session, "sim", position=999), simulate_history(600, 10, seed=2),
                      first_card_id=100_000)
    code, out, err = run_cli(["optimize", "--deck", "sim", "--reschedule", "--json"], file_db_url, clock)
    assert code == 0, err
    result = json.loads(out)["results"][0]
    assert result["preset"] == "default" and result["saved"] and result["rescheduled"] == 600
    assert result["after"]["log_loss"] < result["before"]["log_loss"]
    with database.unit_of_work() as session:
        assert load_parameters(session, "default").parameters == tuple(result["parameters"])
    code, out, _ = run_cli(["optimize", "--no-reschedule"], file_db_url, clock)
    assert code == 0 and "held-out log loss" in out
    database.dispose()


# -- issue 14: --deck by title, tomorrow and the next 7 days, locked decks --------------------


@pytest.mark.parametrize("name", ["Momentum", "MOMENTUM", "  momentum ", "momentum"])
def test_due_deck_takes_the_slug_or_the_title_in_any_case(file_db_url, clock, name):
    code, out, err = run_cli(["due", "--deck", name, "--json"], file_db_url, clock)
    assert code == 0, err
    assert [d["slug"] for d in json.loads(out)["decks"]] == ["momentum"]


def test_an_unknown_deck_is_one_line_with_close_matches(file_db_url, clock):
    code, out, err = run_cli(["due", "--deck", "Momentun"], file_db_url, clock)
    assert code == 2 and out == ""
    assert err == "studyapp: error: no deck 'Momentun'; did you mean Momentum (momentum)?\n"
    code, _, err = run_cli(["due", "--deck", "zzz"], file_db_url, clock)
    assert code == 2 and err.count("\n") == 1 and "no deck 'zzz'" in err and "did you mean" not in err


def test_optimize_deck_takes_a_title(file_db_url, clock):
    code, _, err = run_cli(["optimize", "--deck", "Adam"], file_db_url, clock)
    assert code == 2 and "too few reviews" in err  # found the deck, refused for its history
    code, _, err = run_cli(["optimize", "--deck", "Adamm"], file_db_url, clock)
    assert code == 2 and "did you mean Adam (adam)?" in err


def _make_due(url, clock, plan: dict[str, list[timedelta]]):
    """Turn cards of each deck into review cards due at today's end + each offset."""
    from sqlalchemy import select, update

    from studyapp.scheduling.service import ReviewService
    from studyapp.storage.models import STATE_REVIEW, Card, CardState, Deck

    database = open_database(url)
    tomorrow = ReviewService(database, clock).today_end()
    with database.unit_of_work() as session:
        for slug, offsets in plan.items():
            ids = session.scalars(select(Card.id).join(Deck).where(Deck.slug == slug).order_by(Card.id))
            for card_id, offset in zip(ids, offsets, strict=False):  # a deck may have more cards
                session.execute(update(CardState).where(CardState.card_id == card_id).values(
                    state=STATE_REVIEW, due=tomorrow + offset, last_review=clock.now() - timedelta(days=3),
                    stability=5.0, difficulty=5.0, reps=1))
    database.dispose()


def test_due_shows_tomorrow_and_the_next_7_days_per_deck(file_db_url, clock):
    hour = timedelta(hours=1)
    _make_due(file_db_url, clock, {
        "big": [hour, 2 * hour, timedelta(days=3) + hour, timedelta(days=8), -hour],  # 2 tomorrow, 3 in 7 days
        "sgd": [timedelta(days=6, hours=23)],  # the 7th day
    })
    code, out, err = run_cli(["due", "--json"], file_db_url, clock)
    assert code == 0, err
    document = json.loads(out)
    decks = {d["slug"]: d for d in document["decks"]}
    assert (decks["big"]["review"], decks["big"]["tomorrow"], decks["big"]["next_7_days"]) == (1, 2, 3)
    assert decks["big"]["ahead"] == [2, 0, 0, 1, 0, 0, 0]
    assert (decks["sgd"]["tomorrow"], decks["sgd"]["next_7_days"]) == (0, 1)
    assert document["total"]["tomorrow"] == 2 and document["total"]["next_7_days"] == 4
    assert len(document["ahead_days"]) == 7
    code, out, _ = run_cli(["due"], file_db_url, clock)
    header, *_ = out.splitlines()
    assert "tomorrow" in header and "7 days" in header
    big = next(line for line in out.splitlines() if line.startswith("big "))
    assert big.split()[-2:] == ["2", "3"]


def test_due_shows_locked_decks_and_what_they_wait_for(file_db_url, clock):
    code, out, err = run_cli(["due", "--json"], file_db_url, clock)
    assert code == 0, err
    decks = {d["slug"]: d for d in json.loads(out)["decks"]}
    assert not decks["sgd"]["locked"] and not decks["big"]["locked"]
    lock = decks["momentum"]["lock"]
    assert decks["momentum"]["locked"] and lock["waiting"] == 3
    assert lock["after"] == [{"deck": "sgd", "title": "Sgd", "studied": 0, "total": 8}]  # 7 cards and an exercise
    code, out, _ = run_cli(["due", "--deck", "Adam"], file_db_url, clock)
    assert "  3 new locked, after: Momentum (0/3 studied)" in out.splitlines()
    # once sgd has no new cards left, momentum is open and adam still waits for momentum
    _make_due(file_db_url, clock, {"sgd": [timedelta(days=2)] * 8})
    code, out, _ = run_cli(["due", "--json"], file_db_url, clock)
    decks = {d["slug"]: d for d in json.loads(out)["decks"]}
    assert not decks["momentum"]["locked"] and decks["momentum"]["new"] == 3
    assert decks["adam"]["lock"]["after"][0]["deck"] == "momentum"


def test_a_long_lock_wraps_between_prerequisites():
    from studyapp.cli.schedule_commands import _lock_lines
    from studyapp.scheduling.prerequisites import Lock, Prerequisite

    titles = ["Statistics and data analysis basics", "Weight initialization",
              "Backpropagation, autograd and activations"]
    lock = Lock(tuple(Prerequisite(t.lower()[:5], t, 1, 50) for t in titles), new_cards=39)
    lines = _lock_lines(lock)
    assert lines == ["  39 new locked, after: Statistics and data analysis basics (1/50 studied),",
                     "    Weight initialization (1/50 studied),",
                     "    Backpropagation, autograd and activations (1/50 studied)"]
    assert _lock_lines(Lock(lock.waiting_for[1:2], new_cards=3)) == [
        "  3 new locked, after: Weight initialization (1/50 studied)"]
