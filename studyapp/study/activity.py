"""The dashboard's activity numbers straight from review_logs: reviews per study day
for the heatmap, today's count and the current streak."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.scheduling.days import (
    DEFAULT_DAY_START_HOUR,
    current_streak,
    day_start,
    local_zone,
    study_day,
)
from studyapp.storage.models import ReviewLog


@dataclass(frozen=True)
class RecentActivity:
    """The dashboard's heatmap and counters (the stats page has the fuller `stats.Activity`)."""

    today: date
    per_day: dict[date, int]  # study day -> reviews, only days with reviews
    reviews_today: int
    streak: int

    def weeks(self, count: int = 12) -> list[list[tuple[date, int] | None]]:
        """`count` columns of 7 days (Monday first) ending with the week holding today;
        days after today are None."""
        last_monday = self.today - timedelta(days=self.today.weekday())
        first = last_monday - timedelta(weeks=count - 1)
        columns = []
        for week in range(count):
            column: list[tuple[date, int] | None] = []
            for weekday in range(7):
                day = first + timedelta(weeks=week, days=weekday)
                column.append(None if day > self.today else (day, self.per_day.get(day, 0)))
            columns.append(column)
        return columns


def activity(
    session: Session,
    now: datetime,
    *,
    weeks: int = 12,
    hour: int = DEFAULT_DAY_START_HOUR,
    zone: tzinfo | None = None,
) -> RecentActivity:
    zone = zone or local_zone()
    today = date.fromisoformat(study_day(now, hour=hour, zone=zone))
    # a year back at most for the streak; the heatmap needs `weeks`
    since = day_start(now, hour=hour, zone=zone) - timedelta(days=max(weeks * 7, 366))
    per_day: Counter[date] = Counter()
    reviewed = select(ReviewLog.reviewed_at).where(ReviewLog.reviewed_at >= since)
    for (moment,) in session.execute(reviewed):
        per_day[date.fromisoformat(study_day(moment, hour=hour, zone=zone))] += 1
    streak = current_streak(lambda day: per_day[day] > 0, today)
    return RecentActivity(today=today, per_day=dict(per_day), reviews_today=per_day.get(today, 0),
                          streak=streak)

