"""The same simulated history on SQLite and on PostgreSQL gives the same numbers.

One scenario (a curriculum of about 250 cards and two exercises, studied for 55 simulated
days with undo and exercise submissions, a few thousand reviews) is replayed on both
engines with the same clock and random seed; then the queue counts, the next cards, the
whole stats page and the FSRS fit must agree (timings aside). Every decision the
scheduler makes reads the database, so a query that differs between the engines shows
up as a different review history and fails every comparison below.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from studyapp.clock import FixedClock
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.scheduling.exercises import exercise_rating
from studyapp.scheduling.optimize import optimize_preset
from studyapp.scheduling.service import ReviewService
from studyapp.stats.api import compute_stats
from studyapp.storage.db import open_database
from studyapp.storage.models import Card, ReviewLog, Submission
from tests.scheduling.conftest import curriculum_files, write_root

DAYS = 55
START = datetime(2026, 3, 2, 8, tzinfo=UTC)


def _simulate(url: str, root) -> dict:
    database = open_database(url)
    clock = FixedClock(START)
    with database.unit_of_work() as session:
        sync_content(session, load_content([root]), clock.now())
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    rng = random.Random(17)
    trace = []
    for day in range(DAYS):
        clock.set(START + timedelta(days=day, minutes=rng.randrange(0, 600)))
        trace.append(("counts", day, [(c.slug, c.new, c.learning, c.review) for c in service.counts()]))
        n = 0
        while (item := service.next_card()) is not None and n < 80:
            n += 1
            trace.append(("card", item.content_id, item.queue))
            if item.kind == "exercise":
                passed = rng.random() < 0.7
                with database.unit_of_work() as session:
                    session.add(Submission(
                        card_id=item.card_id, exercise_id=item.content_id, code="x = 1",
                        status="passed" if passed else "failed", duration_ms=rng.randrange(20, 90),
                        verdict={"diagnosis": None if passed else {"id": "swapped", "text": "t"}},
                        created_at=clock.now()))
                rating = exercise_rating(passed=passed, failed_attempts=0, hints_used=0,
                                         revealed=False, gave_up=False, seconds=200,
                                         target_seconds=300)
            else:
                rating = rng.choices([1, 2, 3, 4], weights=[12, 8, 70, 10])[0]
            if rng.random() < 0.04:
                service.review(item.card_id, rating)
                service.undo()
            service.review(item.card_id, rating, duration_ms=rng.randrange(2000, 20000))
            clock.advance(seconds=rng.randrange(5, 60))
    with database.unit_of_work() as session:
        logs = session.scalar(select(func.count(ReviewLog.id)))
        submissions = session.scalar(select(func.count(Submission.id)))
        page = compute_stats(session, clock.now(), day_start_hour=4, zone=UTC, parallel=False)
        assert session.scalar(select(func.count(Card.id))) > 200
    stats = page.as_dict()
    stats.pop("generated_at")
    fit = optimize_preset(database, clock, "default", save=False, min_reviews=50,
                          day_start_hour=4, zone=UTC)
    queue = [(i.content_id, i.queue) for i in service.queue()]
    database.dispose()
    return {"trace": trace, "logs": logs, "submissions": submissions, "stats": stats,
            "queue": queue,
            "fit": {"reviews": fit.reviews, "items": fit.items, "cards": fit.cards,
                    "parameters": list(fit.parameters)}}


def _rounded(value, digits: int = 9):
    """Floats to 9 significant digits: SQLite prints REAL with 15, PostgreSQL exactly."""
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    return value


@pytest.fixture(scope="module")
def both(tmp_path_factory, postgres_cluster):
    root = write_root(tmp_path_factory.mktemp("parity"), curriculum_files(big=240))
    sqlite_url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'p.db'}"
    return _simulate(sqlite_url, root), _simulate(postgres_cluster.create_database(), root)


def test_the_same_reviews_happen_in_the_same_order(both):
    lite, pg = both
    assert lite["logs"] > 2000  # a few thousand reviews
    assert lite["submissions"] > 5
    assert lite["trace"] == pg["trace"]
    assert (lite["logs"], lite["submissions"]) == (pg["logs"], pg["submissions"])
    assert lite["queue"] == pg["queue"]


def test_the_stats_page_is_the_same(both):
    lite, pg = both
    assert lite["stats"]["activity"]["all_time_reviews"] == lite["logs"]
    assert json.dumps(_rounded(lite["stats"]), sort_keys=True) == \
        json.dumps(_rounded(pg["stats"]), sort_keys=True)


def test_the_fsrs_fit_is_the_same(both):
    lite, pg = both
    assert lite["fit"]["reviews"] == pg["fit"]["reviews"] > 0
    assert lite["fit"]["items"] == pg["fit"]["items"]
    assert _rounded(lite["fit"]["parameters"], 6) == _rounded(pg["fit"]["parameters"], 6)
