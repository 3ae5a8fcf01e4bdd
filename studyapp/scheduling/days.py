"""The learner's day: it rolls over at a configurable local hour (4:00 by default, as Anki)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy.orm import Session

from studyapp.storage.settings import get_setting

DEFAULT_DAY_START_HOUR = 4
DAY_START_HOUR_KEY = "day_start_hour"  # the setting that moves the rollover


def read_day_start_hour(session: Session) -> int:
    """The learner's day-start hour from the settings: the default when it is unset, or is
    not a whole hour from 0 to 23 (the preferences screen never saves one that is not)."""
    value = get_setting(session, DAY_START_HOUR_KEY, DEFAULT_DAY_START_HOUR)
    if not isinstance(value, int | float | str):
        return DEFAULT_DAY_START_HOUR
    try:
        hour = int(value)
    except (TypeError, ValueError):
        return DEFAULT_DAY_START_HOUR
    return hour if 0 <= hour <= 23 else DEFAULT_DAY_START_HOUR


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def day_start(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR,
              zone: tzinfo | None = None) -> datetime:
    """The UTC moment the learner's current day began."""
    local = now.astimezone(zone or local_zone())
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def next_day_start(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR,
                   zone: tzinfo | None = None) -> datetime:
    """The UTC moment the learner's next day begins: what is due before it is due today."""
    zone = zone or local_zone()
    start = day_start(now, hour=hour, zone=zone).astimezone(zone)
    # a calendar day later in local time, so a DST change keeps the rollover at `hour`
    tomorrow = start.date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(hour), tzinfo=zone).astimezone(UTC)


def study_day(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR,
              zone: tzinfo | None = None) -> str:
    """The learner's calendar date for `now` as ISO text (a review at 2am counts for yesterday)."""
    return (now.astimezone(zone or local_zone()) - timedelta(hours=hour)).date().isoformat()


def study_day_bounds(day: date, *, hour: int = DEFAULT_DAY_START_HOUR,
                     zone: tzinfo | None = None) -> tuple[datetime, datetime]:
    """The UTC moments study day `day` begins and ends (local `hour` to `hour`, so a DST
    change makes a day 23 or 25 hours long)."""
    zone = zone or local_zone()
    start = datetime.combine(day, time(hour), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(hour), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def current_streak(studied: Callable[[date], bool], today: date) -> int:
    """Study days in a row with at least one review, ending today, or yesterday while today
    has none yet (the streak is not broken before the day is over). `studied(day)` says
    whether the learner reviewed on that study day."""
    day = today if studied(today) else today - timedelta(days=1)
    streak = 0
    while studied(day):
        streak += 1
        day -= timedelta(days=1)
    return streak
