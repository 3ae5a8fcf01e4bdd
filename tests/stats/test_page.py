"""The whole page: parallel and sequential runs agree, and everything is plain JSON."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from studyapp.stats import (
    MemoryModel,
    activity_stats,
    calibration_stats,
    compute_stats,
    mastery_stats,
    outlook_stats,
    retention_stats,
    study_calendar,
)
from studyapp.storage.db import open_database
from studyapp.storage.models import ReviewLog
from tests.stats.builder import (
    DAY,
    STATE_LEARNING,
    STATE_NEW,
    STATE_RELEARNING,
    STATE_REVIEW,
    History,
)
from tests.stats.conftest import NOW


def simulate(history: History, seed: int = 3, cards: int = 40, logs: int = 1500) -> None:
    """A random but plausible history over 500 days, with submissions."""
    rng = random.Random(seed)
    decks = [history.deck(f"d{i}", topic=f"topic{i}") for i in range(3)]
    made = [history.card(decks[i % 3], tags=rng.choice(["", "a", "a b", "c"]),
                         suspended=i % 17 == 5) for i in range(cards)]
    for card in made[: cards - 5]:
        state = rng.choice([STATE_LEARNING, STATE_REVIEW, STATE_REVIEW, STATE_RELEARNING])
        last = NOW - timedelta(hours=rng.uniform(0, 24 * 60))
        history.set_state(card, state=state, stability=rng.uniform(0.2, 200), difficulty=rng.uniform(1, 10),
                          last_review=last, due=last + timedelta(days=rng.randint(1, 120)))
    for _ in range(logs):
        at = NOW - timedelta(minutes=rng.randint(0, 500 * 24 * 60))
        prev = rng.choice([STATE_NEW, STATE_LEARNING, STATE_REVIEW, STATE_REVIEW, STATE_RELEARNING])
        r = None if prev == STATE_NEW else rng.choice([1.0, round(rng.random(), 6), rng.random()])
        history.review(rng.choice(made), at, rng.choice([1, 2, 3, 3, 3, 4]), prev_state=prev,
                       interval_days=rng.randint(1, 60) if prev == STATE_REVIEW else None,
                       retrievability=r, duration_ms=rng.randint(0, 30_000))
    for i in range(60):
        history.submission(f"ex{i % 4}", rng.choice(["passed", "failed", "error"]),
                           NOW - timedelta(hours=rng.randint(0, 24 * 40)), duration_ms=rng.randint(5, 500),
                           diagnosis=(f"m{i % 3}", "text") if i % 2 else None)
    history.flush()


@pytest.fixture
def file_db(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'stats.db'}")
    with db.unit_of_work() as session:
        simulate(History(session))
    yield db
    db.dispose()


@pytest.mark.parametrize("zone", [UTC, ZoneInfo("America/New_York")])
def test_parallel_and_sequential_pages_agree_with_the_sections(file_db, zone):
    memory = MemoryModel()
    with file_db.unit_of_work() as session:
        parallel = compute_stats(session, NOW, zone=zone, memory=memory, parallel=True)
        sequential = compute_stats(session, NOW, zone=zone, memory=memory, parallel=False)
        assert parallel == sequential
        assert parallel.activity == activity_stats(session, NOW, zone=zone)
        assert parallel.retention == retention_stats(session, NOW, zone=zone)
        assert parallel.outlook == outlook_stats(session, NOW, zone=zone, memory=memory)
        assert parallel.mastery == mastery_stats(session, NOW, zone=zone, memory=memory)
        assert parallel.calibration == calibration_stats(session)
        # the window's days against a plain count of the logs, day by day, in Python
        cal = study_calendar(session, NOW, zone=zone)
        per_day = Counter(cal.day_of(at).isoformat() for at in session.scalars(select(ReviewLog.reviewed_at)))
        predicted = session.scalar(select(func.count()).where(ReviewLog.retrievability.is_not(None)))
    a = parallel.activity
    assert a.all_time_reviews == 1500
    assert {d.day: d.reviews for d in a.days if d.reviews} == {
        day: n for day, n in per_day.items() if day >= a.days[0].day}
    assert parallel.calibration.reviews + parallel.calibration.same_day == predicted


def test_the_page_is_plain_json_and_leaves_the_connection_as_it_was(file_db):
    with file_db.unit_of_work() as session:
        conn = session.connection().connection.driver_connection
        before = conn.execute("PRAGMA mmap_size").fetchone()
        page = compute_stats(session, NOW + 3 * DAY, zone=UTC)
        assert conn.execute("PRAGMA mmap_size").fetchone() == before
    text = json.dumps(page.as_dict(), allow_nan=False)
    back = json.loads(text)
    assert set(back) == {"generated_at", "today", "day_start_hour", "time_zone", "activity", "retention",
                         "outlook", "mastery", "calibration"}
    assert len(back["activity"]["days"]) == 365 and len(back["outlook"]["forecast"]) == 90
    summary = page.summary()
    assert summary["total_reviews"] == 1500 and summary["today"] == (NOW + 3 * DAY).date().isoformat()


def test_empty_database_page(session):
    page = compute_stats(session, NOW, zone=UTC)
    json.dumps(page.as_dict(), allow_nan=False)
    assert page.activity.all_time_reviews == 0 and page.calibration.reviews == 0
    assert page.outlook.card_counts.total == 0 and page.mastery.topics == []
