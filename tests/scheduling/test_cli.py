"""`studyapp due` and `studyapp optimize` in-process, on a file database."""

import io
import json
from datetime import UTC, datetime

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
    assert "tomorrow" in out and "next 7 days" in out
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


def test_due_shows_locked_decks_the_days_ahead_and_takes_a_title(file_db_url, clock):
    code, out, err = run_cli(["due"], file_db_url, clock)
    assert code == 0, err
    momentum = next(line for line in out.splitlines() if line.startswith("momentum"))
    assert "locked after: " in momentum
    code, out, err = run_cli(["due", "--json"], file_db_url, clock)
    document = json.loads(out)
    locked = {d["slug"]: d["lock"] for d in document["decks"]}
    assert locked["sgd"] is None and locked["momentum"]["after"][0]["deck"] == "sgd"
    assert len(document["ahead"]) == 7 and document["tomorrow"] == document["ahead"][0]["due"]
    title = document["decks"][0]["title"]
    code, out, err = run_cli(["due", "--json", "--deck", title], file_db_url, clock)
    assert code == 0, err
    assert [d["slug"] for d in json.loads(out)["decks"]] == ["sgd"]
