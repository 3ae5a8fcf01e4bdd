"""Study days: boundaries at the day-start hour, exact across daylight-saving changes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.scheduling.days import day_start, study_day
from studyapp.stats.calendar import StudyCalendar
from studyapp.storage.stored_time import db_text

NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def _day_index(cal: StudyCalendar, first: date, days: int, moments: list[datetime]) -> list[int]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (at TEXT)")
    conn.executemany("INSERT INTO t VALUES (?)", [(db_text(m),) for m in moments])
    sql = f"SELECT {cal.day_index_sql('at', first, days)} FROM t ORDER BY rowid"
    return [i for (i,) in conn.execute(sql)]


def test_today_rolls_over_at_the_day_start_hour():
    cal = StudyCalendar.at(datetime(2026, 3, 10, 3, 59, tzinfo=UTC), hour=4, zone=UTC)
    assert cal.today == date(2026, 3, 9)
    cal = StudyCalendar.at(datetime(2026, 3, 10, 4, 0, tzinfo=UTC), hour=4, zone=UTC)
    assert cal.today == date(2026, 3, 10)
    assert cal.start(date(2026, 3, 10)) == datetime(2026, 3, 10, 4, tzinfo=UTC)


def test_a_bad_hour_is_refused():
    with pytest.raises(ValueError):
        StudyCalendar.at(datetime(2026, 3, 10, tzinfo=UTC), hour=24, zone=UTC)


@pytest.mark.parametrize("zone", [UTC, NEW_YORK, KOLKATA])
def test_day_starts_agree_with_the_scheduler(zone):
    for offset in range(0, 400, 7):
        now = datetime(2026, 1, 1, 13, tzinfo=UTC) + timedelta(days=offset, hours=offset % 24)
        cal = StudyCalendar.at(now, hour=4, zone=zone)
        assert cal.start(cal.today) == day_start(now, hour=4, zone=zone)
        assert cal.today.isoformat() == study_day(now, hour=4, zone=zone)


def test_day_index_is_exact_across_spring_forward_and_fall_back():
    cal = StudyCalendar.at(datetime(2026, 11, 10, tzinfo=UTC), hour=4, zone=NEW_YORK)
    first = date(2026, 3, 6)
    moments = [
        datetime(2026, 3, 7, 8, 59, 59, 999999, tzinfo=UTC),  # 03:59:59 EST: March 6
        datetime(2026, 3, 7, 9, 0, tzinfo=UTC),  # 04:00 EST: March 7 (a 23-hour day)
        datetime(2026, 3, 8, 7, 59, tzinfo=UTC),  # 03:59 EDT on March 8: still March 7
        datetime(2026, 3, 8, 8, 0, tzinfo=UTC),  # 04:00 EDT: March 8
        datetime(2026, 10, 31, 8, 0, tzinfo=UTC),  # 04:00 EDT: October 31 (a 25-hour day)
        datetime(2026, 11, 1, 8, 30, tzinfo=UTC),  # 03:30 EST on November 1: still October 31
        datetime(2026, 11, 1, 9, 0, tzinfo=UTC),  # 04:00 EST: November 1
    ]
    expected = [date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 7), date(2026, 3, 8),
                date(2026, 10, 31), date(2026, 10, 31), date(2026, 11, 1)]
    got = _day_index(cal, first, 300, moments)
    assert [first + timedelta(days=i) for i in got] == expected
    assert [cal.day_of(m) for m in moments] == expected


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from([UTC, NEW_YORK, KOLKATA, ZoneInfo("Australia/Lord_Howe")]),
    hour=st.integers(0, 23),
    offsets=st.lists(st.integers(0, 365 * 86400 * 10**6), min_size=1, max_size=20),
    near=st.lists(st.tuples(st.integers(1, 365), st.integers(-2_000_000, 2_000_000)), max_size=20),
)
def test_day_index_matches_study_day(zone, hour, offsets, near):
    """For any zone, hour and moment inside the window (anywhere, or within two seconds of
    a day boundary), SQL and Python agree on the study day, to the microsecond."""
    cal = StudyCalendar.at(datetime(2027, 1, 10, tzinfo=UTC), hour=hour, zone=zone)
    first = date(2026, 1, 1)
    start = cal.start(first)
    end = cal.start(first + timedelta(days=366))
    candidates = [start + timedelta(microseconds=o) for o in offsets]
    candidates += [cal.start(first + timedelta(days=d)) + timedelta(microseconds=us) for d, us in near]
    moments = [m for m in candidates if start <= m < end]
    if not moments:
        return
    got = _day_index(cal, first, 366, moments)
    assert [first + timedelta(days=i) for i in got] == [cal.day_of(m) for m in moments]
