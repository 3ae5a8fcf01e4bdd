"""The learner's day: it rolls over at a configurable local hour (4:00 by default, as Anki)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo

DEFAULT_DAY_START_HOUR = 4
DAY_START_HOUR_KEY = "day_start_hour"  # the setting that moves the rollover


def local_zone() -> tzinfo:
    zone = datetime.now().astimezone().tzinfo
    return zone if zone is not None else UTC


def day_start(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR, zone: tzinfo | None = None) -> datetime:
    """The UTC moment the learner's current day began."""
    local = now.astimezone(zone or local_zone())
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def next_day_start(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR, zone: tzinfo | None = None) -> datetime:
    """The UTC moment the learner's next day begins: what is due before it is due today."""
    zone = zone or local_zone()
    start = day_start(now, hour=hour, zone=zone).astimezone(zone)
    # a calendar day later in local time, so a DST change keeps the rollover at `hour`
    return datetime.combine(start.date() + timedelta(days=1), time(hour), tzinfo=zone).astimezone(UTC)


def study_day(now: datetime, *, hour: int = DEFAULT_DAY_START_HOUR, zone: tzinfo | None = None) -> str:
    """The learner's calendar date for `now` as ISO text (a review at 2am counts for yesterday)."""
    return (now.astimezone(zone or local_zone()) - timedelta(hours=hour)).date().isoformat()
