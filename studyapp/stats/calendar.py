"""Study days for the stats: the learner's calendar, rolling over at the day-start hour.

Agrees with studyapp.scheduling.days (a review at 2am counts for the day before), and
gives the exact UTC boundaries of whole ranges of days, across daylight-saving changes,
so that SQL can aggregate each day over the reviewed_at index with no per-row date maths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import numpy as np

from studyapp.scheduling.days import DEFAULT_DAY_START_HOUR, local_zone, study_day
from studyapp.stats._sql import exact_seconds_sql, seconds_sql
from studyapp.storage.sqldialect import SQLITE, SqlDialect
from studyapp.storage.stored_time import db_text, to_micros


@dataclass(frozen=True)
class StudyCalendar:
    """The learner's days as seen from `now`."""

    now: datetime
    hour: int = DEFAULT_DAY_START_HOUR
    zone: tzinfo = UTC

    @classmethod
    def at(
        cls, now: datetime, *, hour: int | None = None, zone: tzinfo | None = None
    ) -> StudyCalendar:
        hour = DEFAULT_DAY_START_HOUR if hour is None else int(hour)
        if not 0 <= hour <= 23:
            raise ValueError(f"day start hour must be 0-23, got {hour}")
        return cls(now=now, hour=hour, zone=zone or local_zone())

    @property
    def today(self) -> date:
        return self.day_of(self.now)

    def day_of(self, moment: datetime) -> date:
        return date.fromisoformat(study_day(moment, hour=self.hour, zone=self.zone))

    def start(self, day: date) -> datetime:
        """The UTC moment study day `day` begins."""
        return datetime.combine(day, time(self.hour), tzinfo=self.zone).astimezone(UTC)

    def days(self, first: date, last: date) -> list[date]:
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def ranges(self, first: date, last: date) -> list[tuple[int, str, str]]:
        """(index, start, end) of each study day from `first` to `last`, as stored text."""
        starts = [db_text(self.start(first + timedelta(days=i)))
                  for i in range((last - first).days + 2)]
        return [(i, starts[i], starts[i + 1]) for i in range(len(starts) - 1)]

    def bounds_us(self, first: date, last: date) -> np.ndarray:
        """UTC epoch microseconds of the start of each day from `first` to the day after
        `last` (len = days + 1): day i covers [bounds[i], bounds[i + 1])."""
        return np.array([to_micros(self.start(first + timedelta(days=i)))
                         for i in range((last - first).days + 2)], dtype=np.int64)

    def day_index_sql(self, col: str, first: date, days: int, d: SqlDialect = SQLITE) -> str:
        """SQL for the index (0 = `first`) of the study day holding `col`, for values in
        [start(first), start(first + days)). Whole epoch seconds from the date functions,
        one branch per stretch of days sharing a UTC offset; a day that is not 24 hours
        long (a daylight-saving change) gets a literal branch of its own. Exact to the
        microsecond, because day starts fall on whole seconds."""
        starts = [self.start(first + timedelta(days=i)) for i in range(days + 1)]
        secs = [to_micros(s) // 1_000_000 for s in starts]
        fast, exact = seconds_sql(col, d), exact_seconds_sql(col, d)

        def index(offset: int) -> str:
            if d.is_postgresql:  # exact already; integer division like SQLite's
                return f"({exact} - {offset}) / 86400"
            # SQLite's parse rounds to the millisecond, which can carry the last half
            # millisecond of a day into the next: when the rounded second is a day start,
            # parse again without the fraction (rare, so the exact parse costs little)
            return (f"CASE WHEN ({fast} - {offset}) % 86400 THEN ({fast} - {offset}) / 86400"
                    f" ELSE ({exact} - {offset}) / 86400 END")

        branches: list[tuple[int, str]] = []  # (first day after the branch, expression)
        i = 0
        while i < days:
            if secs[i + 1] - secs[i] != 86400:
                branches.append((i + 1, str(i)))
                i += 1
                continue
            j = i
            while j < days and secs[j + 1] - secs[j] == 86400:
                j += 1
            branches.append((j, index(secs[i] - 86400 * i)))
            i = j
        if not branches:
            return "0"
        if len(branches) == 1:
            return branches[0][1]
        cases = " ".join(f"WHEN {col} < {d.time_literal(db_text(starts[end]))} THEN {expr}"
                         for end, expr in branches[:-1])
        return f"CASE {cases} ELSE {branches[-1][1]} END"
