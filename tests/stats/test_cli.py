"""`studyapp stats` and `studyapp stats --json`, in-process on a file database."""

from __future__ import annotations

import io
import json
from datetime import UTC

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.clock import FixedClock
from studyapp.storage.db import open_database
from tests.stats.builder import DAY, STATE_REVIEW, History
from tests.stats.conftest import NOW


def _db(file_db_url: str) -> str:
    db = open_database(file_db_url)
    with db.unit_of_work() as session:
        h = History(session)
        card = h.card(h.deck("optim", topic="optimizers"), tags="adam")
        h.set_state(card, state=STATE_REVIEW, stability=10, difficulty=5, last_review=NOW - 2 * DAY,
                    due=NOW + 8 * DAY)
        h.review(card, NOW - DAY, 3, interval_days=25, retrievability=0.93, duration_ms=4000)
        h.review(card, NOW - 2 * DAY, 1, interval_days=5, retrievability=0.8, duration_ms=6000)
        h.submission("adam-step", "failed", NOW - DAY, diagnosis=("no-bias", "no bias correction"))
    db.dispose()
    return file_db_url


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """The command uses the local time zone; pin it so the days are known."""
    monkeypatch.setattr("studyapp.stats.calendar.local_zone", lambda: UTC)


def run_cli(args, db_url):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=FixedClock(NOW), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def test_stats_json_is_one_document_with_every_section(file_db_url):
    code, out, err = run_cli(["stats", "--json", "--day-start-hour", "4"], _db(file_db_url))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["day_start_hour"] == 4
    assert doc["activity"]["all_time_reviews"] == 2
    assert doc["time_zone"] == "UTC" and doc["today"] == "2026-03-10"
    assert doc["activity"]["current_streak"] == 2  # yesterday and the day before; none yet today
    assert doc["retention"]["rows"][4]["mature"]["passed"] == 1
    assert doc["outlook"]["card_counts"]["young"] == 1
    assert doc["mastery"]["topics"][0]["name"] == "optimizers"
    assert doc["mastery"]["exercises"]["diagnoses"][0]["id"] == "no-bias"
    assert doc["calibration"]["reviews"] == 2


def test_stats_text(file_db_url):
    code, out, err = run_cli(["stats"], _db(file_db_url))
    assert code == 0, err
    for heading in ("Activity", "True retention", "Outlook", "Mastery by topic", "Exercises", "Calibration"):
        assert heading in out
    assert "2 reviews scored" in out and "no-bias" in out


def test_bad_day_start_hour_is_a_usage_error(file_db_url):
    code, out, err = run_cli(["stats", "--day-start-hour", "25"], _db(file_db_url))
    assert code == 2 and "0-23" in err and out == ""
