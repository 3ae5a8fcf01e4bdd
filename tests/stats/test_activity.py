"""Activity, streaks and the true retention table, on a small hand-built history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from studyapp.stats import activity_stats, compute_stats, retention_stats
from tests.stats.builder import DAY, STATE_LEARNING, STATE_NEW, STATE_RELEARNING, STATE_REVIEW
from tests.stats.conftest import NOW


def at(y, m, d, hh=12, mm=0, ss=0, us=0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=UTC)


@pytest.fixture
def logs(history):
    """Reviews around NOW (2026-03-10 12:00 UTC; days start at 04:00 UTC)."""
    h = history
    card = h.card(h.deck())
    # today, 2026-03-10
    h.review(card, at(2026, 3, 10, 5), 3, interval_days=21, duration_ms=1000)  # mature, passed
    h.review(card, at(2026, 3, 10, 4), 3, prev_state=STATE_NEW, duration_ms=500)  # learning (04:00 sharp)
    # yesterday, 2026-03-09
    h.review(card, at(2026, 3, 10, 3, 59, 59, 999999), 1, interval_days=20, duration_ms=2000)  # young, failed
    h.review(card, at(2026, 3, 9, 10), 3, prev_state=STATE_RELEARNING, duration_ms=700)
    # earlier this week and month
    h.review(card, at(2026, 3, 8), 4, interval_days=30)  # mature, passed
    h.review(card, at(2026, 3, 4), 2, interval_days=5)  # young, passed (Hard is a pass)
    h.review(card, at(2026, 3, 3), 1, interval_days=5)  # young, failed: in the month, not the week
    h.review(card, at(2026, 2, 8), 3, interval_days=5)  # 31 days ago: the year only
    # the first day of the 365-day window, and six days before it (a 7-day run)
    h.review(card, at(2025, 3, 11), 1, interval_days=40)  # mature, failed
    for d in range(5, 11):
        h.review(card, at(2025, 3, d), 3, prev_state=STATE_LEARNING)
    h.flush()
    return card


def test_reviews_per_day_by_kind_and_time(session, logs):
    a = activity_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert a.today == "2026-03-10"
    assert len(a.days) == 365 and a.days[0].day == "2025-03-11" and a.days[-1].day == "2026-03-10"
    today, yesterday = a.days[-1], a.days[-2]
    assert today.as_dict() == {"day": "2026-03-10", "reviews": 2, "learning": 1, "young": 0, "mature": 1,
                               "relearning": 0, "passed": 2, "time_ms": 1500}
    assert yesterday.as_dict() == {"day": "2026-03-09", "reviews": 2, "learning": 0, "young": 1, "mature": 0,
                                   "relearning": 1, "passed": 1, "time_ms": 2700}
    assert a.days[0].mature == 1 and a.days[0].passed == 0
    assert sum(d.reviews for d in a.days) == 9
    assert a.reviews_today == 2 and a.time_today_ms == 1500
    assert a.all_time_reviews == 15
    assert a.first_review_day == "2025-03-05"
    week = next(p for p in a.periods if p.period == "week")
    assert (week.days, week.reviews, week.days_studied, week.time_ms) == (7, 6, 4, 4200)
    assert week.reviews_per_day == pytest.approx(6 / 7) and week.reviews_per_studied_day == 1.5
    year = next(p for p in a.periods if p.period == "year")
    assert (year.reviews, year.days_studied) == (9, 7)


def test_streaks(session, logs):
    a = activity_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert a.current_streak == 3  # March 8, 9 and 10
    assert a.longest_streak == 7  # 2025-03-05 .. 2025-03-11, across the window's first day
    # before today's first review the streak still counts up to yesterday
    later = activity_stats(session, NOW + DAY, day_start_hour=4, zone=UTC)
    assert later.reviews_today == 0 and later.current_streak == 3
    # a whole day missed breaks it
    assert activity_stats(session, NOW + 2 * DAY, day_start_hour=4, zone=UTC).current_streak == 0


def test_true_retention_table(session, logs):
    table = retention_stats(session, NOW, day_start_hour=4, zone=UTC)
    cells = {row.period: (row.young.passed, row.young.failed, row.mature.passed, row.mature.failed)
             for row in table.rows}
    assert cells == {
        "today": (0, 0, 1, 0),
        "yesterday": (0, 1, 0, 0),
        "week": (1, 1, 2, 0),
        "month": (1, 2, 2, 0),
        "year": (2, 2, 2, 1),
    }
    month = table.row("month")
    assert month.young.retention == pytest.approx(1 / 3)
    assert month.mature.retention == 1.0
    assert month.total.as_dict() == {"passed": 3, "failed": 2, "reviews": 5, "retention": 0.6}
    assert table.row("today").young.retention is None  # nothing to divide: None, not NaN


def test_interval_of_exactly_21_days_is_mature(session, history):
    card = history.card(history.deck())
    history.review(card, NOW - timedelta(hours=1), 3, interval_days=21)
    history.review(card, NOW - timedelta(hours=2), 3, interval_days=20.999)
    history.flush()
    today = activity_stats(session, NOW, day_start_hour=4, zone=UTC).days[-1]
    assert (today.young, today.mature) == (1, 1)


def test_day_start_hour_moves_reviews_between_days(session, logs):
    # with days starting at midnight, the 03:59:59 review belongs to March 10
    a = activity_stats(session, NOW, day_start_hour=0, zone=UTC)
    assert a.days[-1].reviews == 3 and a.days[-2].reviews == 1


def test_daylight_saving_days(session, history):
    """A 23-hour and a 25-hour study day in New York keep their reviews."""
    zone = ZoneInfo("America/New_York")
    card = history.card(history.deck())
    for moment in (
        at(2026, 3, 8, 7, 59),  # 03:59 EDT on March 8 (clocks went forward at 02:00): March 7
        at(2026, 3, 8, 8, 0),  # 04:00 EDT: March 8
        at(2026, 11, 1, 8, 30),  # 03:30 EST on November 1 (clocks went back at 02:00): October 31
        at(2026, 11, 1, 9, 0),  # 04:00 EST: November 1
    ):
        history.review(card, moment, 3, prev_state=STATE_LEARNING)
    history.flush()
    a = activity_stats(session, at(2026, 11, 10), day_start_hour=4, zone=zone)
    by_day = {d.day: d.reviews for d in a.days if d.reviews}
    assert by_day == {"2026-03-07": 1, "2026-03-08": 1, "2026-10-31": 1, "2026-11-01": 1}


def test_empty_history(session):
    a = activity_stats(session, NOW, zone=UTC)
    assert a.all_time_reviews == 0 and a.current_streak == 0 and a.longest_streak == 0
    assert a.first_review_day is None and sum(d.reviews for d in a.days) == 0
    assert all(row.total.retention is None for row in retention_stats(session, NOW, zone=UTC).rows)


def test_the_page_agrees_with_the_sections(session, logs):
    page = compute_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert page.activity == activity_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert page.retention == retention_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert page.today == "2026-03-10" and page.day_start_hour == 4 and page.time_zone == "UTC"


def test_day_start_hour_setting_is_used(session, logs):
    from studyapp.storage.settings import set_setting

    set_setting(session, "day_start_hour", 0)
    session.flush()
    assert activity_stats(session, NOW, zone=UTC).days[-1].reviews == 3
    assert date.fromisoformat(activity_stats(session, NOW, zone=UTC).today) == date(2026, 3, 10)


def test_imported_old_logs_after_the_window_start_are_dropped(session, logs, history):
    """A log with an old date but a new id (an import) is read with the window's ids and
    must not count in the window."""
    card = history.card(history.deck("imported"))
    history.review(card, at(2024, 1, 1), 3, prev_state=STATE_REVIEW, interval_days=3)
    history.flush()
    a = activity_stats(session, NOW, day_start_hour=4, zone=UTC)
    assert sum(d.reviews for d in a.days) == 9
    assert a.all_time_reviews == 16 and a.first_review_day == "2024-01-01"


@pytest.mark.parametrize("zone", [UTC, ZoneInfo("America/New_York")])
def test_day_by_day_reading_agrees_with_the_one_pass_reading(session, history, zone):
    """Logs appended in time order are read day by day (id ranges, no date arithmetic per
    row); out of order, the check sends the reading to the one-pass path. Both agree."""
    import random

    from studyapp.stats._sql import dbapi_connection
    from studyapp.stats.activity import Window
    from studyapp.stats.api import study_calendar

    rng = random.Random(11)
    card = history.card(history.deck())
    moments = sorted(NOW - timedelta(minutes=rng.randint(0, 400 * 24 * 60)) for _ in range(600))
    for at_ in moments:  # in time order, as the app appends them
        prev = rng.choice([STATE_NEW, STATE_LEARNING, STATE_REVIEW, STATE_RELEARNING])
        history.review(card, at_, rng.randint(1, 4), prev_state=prev,
                       interval_days=rng.randint(1, 40) if prev == STATE_REVIEW else None,
                       duration_ms=rng.randint(0, 9000))
    history.flush()
    conn = dbapi_connection(session)
    window = Window.ending_today(study_calendar(session, NOW, zone=zone))
    fast = window.day_slices(conn)
    assert int(fast.counts.sum()) == window.check(conn) > 0  # the fast path is taken
    slow = window.one_pass(conn)
    assert np.array_equal(fast.counts, slow.counts) and np.array_equal(fast.time_ms, slow.time_ms)
    halves = window.parts(2)
    merged = halves.merge(conn, [halves.read(conn, 0), halves.read(conn, 1)])
    assert np.array_equal(merged.counts, slow.counts)

    # a log imported later with an old date breaks the order: the check notices
    history.review(card, NOW - 30 * DAY, 3, prev_state=STATE_LEARNING, duration_ms=5)
    history.flush()
    assert int(window.day_slices(conn).counts.sum()) != window.check(conn)
    again = window.day_counts(conn)
    assert int(again.counts.sum()) == window.check(conn) == int(slow.counts.sum()) + 1
