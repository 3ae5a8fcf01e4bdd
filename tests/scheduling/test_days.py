"""The learner's day: the one reader of the day-start setting, day bounds, the streak."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from studyapp.scheduling.days import (
    DAY_START_HOUR_KEY,
    current_streak,
    day_start,
    next_day_start,
    read_day_start_hour,
    study_day_bounds,
)
from studyapp.storage.settings import set_setting


def test_day_start_setting_falls_back_to_the_default(database):
    with database.unit_of_work() as session:
        assert read_day_start_hour(session) == 4
        for stored, read in ((6, 6), ("7", 7), (0, 0), (24, 4), (-1, 4), ("noon", 4), (None, 4)):
            set_setting(session, DAY_START_HOUR_KEY, stored)
            assert read_day_start_hour(session) == read, stored


def test_day_bounds_agree_with_day_start_across_dst():
    zone = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)  # clocks go forward in the night after
    start, end = study_day_bounds(date(2026, 3, 28), hour=4, zone=zone)
    assert (start, end) == (
        day_start(now, hour=4, zone=zone),
        next_day_start(now, hour=4, zone=zone),
    )
    assert (end - start).total_seconds() == 23 * 3600  # nothing assumes 24 hours


def test_streak_counts_back_from_today_or_yesterday():
    today = date(2026, 5, 10)
    days = {date(2026, 5, d) for d in (6, 8, 9)}
    assert current_streak(days.__contains__, today) == 2  # today not studied yet: not broken
    assert current_streak((days | {today}).__contains__, today) == 3
    assert current_streak({date(2026, 5, 8)}.__contains__, today) == 0
    assert current_streak(set().__contains__, today) == 0
