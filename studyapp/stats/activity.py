"""Activity and true retention, from review_logs by study day.

The window (the last 365 study days) is read day by day without any date arithmetic per
row: the app appends logs in time order, so a day's reviews are the ids from its first
review by time (one seek on the reviewed_at index) up to the next day's first. For each
day SQLite walks that id range, keeps the day's reviews and returns one digit per review
(kind * 2 + passed, the kind from the state before the review) and the day's total time;
numpy counts the digits, so SQLite never sorts. A count on the reviewed_at index checks
the result; when ids do not follow time (logs imported later with old dates), the window
is read again in one pass over its ids, the study day computed per row in SQL. Streaks
over the whole history probe each older day with EXISTS on the reviewed_at index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import cast

import numpy as np

from studyapp.scheduling.days import current_streak
from studyapp.stats._sql import (
    StatsConn,
    checked_stamp,
    digits,
    fetch_all,
    fetch_one,
    int_list,
    seconds_sql,
    values_sql,
)
from studyapp.stats.calendar import StudyCalendar
from studyapp.stats.model import (
    MATURE_DAYS,
    Activity,
    DayActivity,
    PeriodActivity,
    RetentionCell,
    RetentionRow,
    RetentionTable,
    ratio,
)
from studyapp.storage.sqldialect import SqlDialect
from studyapp.storage.stored_time import db_text

WINDOW_DAYS = 365
PERIODS = (("today", 1), ("week", 7), ("month", 30), ("year", 365))
RETENTION_PERIODS = (("today", 0, 1), ("yesterday", 1, 1), ("week", 0, 7), ("month", 0, 30),
                     ("year", 0, 365))

# kind * 2 + passed, the kind from the state before the review:
# 0 learning (new or learning), 1 relearning, 2 young review, 3 mature review.
# The interval of a review-state card is prev_due - prev_last_review.
@lru_cache(maxsize=2)
def code_sql(d: SqlDialect) -> str:
    """SQL for a review's code: kind * 2 + passed."""
    prev_due, prev_last = seconds_sql("prev_due", d), seconds_sql("prev_last_review", d)
    mature = d.as_int(f"{prev_due} - {prev_last} >= {MATURE_DAYS * 86400}")
    return (f"CASE prev_state WHEN 2 THEN 4 + 2 * coalesce({mature}, 0)"
            f" WHEN 3 THEN 2 ELSE 0 END + {d.as_int('rating > 1')}")


CODE_LEARNING, CODE_RELEARNING, CODE_YOUNG, CODE_MATURE = 0, 2, 4, 6


@dataclass(frozen=True)
class ReviewDays:
    """Raw per-day counts for a window of study days: counts[i, code] and time_ms[i]."""

    first: date
    counts: np.ndarray  # (days, 8) int64
    time_ms: np.ndarray  # (days,) int64

    @property
    def size(self) -> int:
        return len(self.time_ms)

    def day(self, i: int) -> date:
        return self.first + timedelta(days=i)


@dataclass(frozen=True)
class Window:
    """The study days [first, first + days) and the SQL that codes their reviews."""

    cal: StudyCalendar
    first: date
    days: int

    @classmethod
    def ending_today(cls, cal: StudyCalendar, days: int = WINDOW_DAYS) -> Window:
        return cls(cal, cal.today - timedelta(days=days - 1), days)

    @property
    def lo(self) -> str:
        return db_text(self.cal.start(self.first))

    @property
    def hi(self) -> str:
        return db_text(self.cal.start(self.first + timedelta(days=self.days)))

    # -- the fast path: day by day over id ranges -------------------------------------

    def day_slices(self, conn: StatsConn, first: int = 0, last: int | None = None) -> ReviewDays:
        """Counts for days [first, last) of the window, reading each day as the range of ids
        from its first review (by time, one index seek) to the next day's first: one digit
        (kind * 2 + passed) per review and the day's total time, with no date arithmetic
        per row. Right when ids follow time, as the app appends them; `check()` tells."""
        last = self.days if last is None else last
        counts = np.zeros((self.days, 8), dtype=np.int64)
        time_ms = np.zeros(self.days, dtype=np.int64)
        if last <= first:
            return ReviewDays(self.first, counts, time_ms)
        if conn.dialect.is_postgresql:
            return self.grouped(conn, first, last)
        starts = [checked_stamp(db_text(self.cal.start(self.first + timedelta(days=i))))
                  for i in range(first, last + 1)]
        d = conn.dialect
        seeks = ",".join(f"({k},{d.time_literal(t)})" for k, t in enumerate(starts))
        first_ids = dict(fetch_all(conn, (
            f"WITH b(k, t) AS (VALUES {seeks}) SELECT k, (SELECT id FROM review_logs"
            " WHERE reviewed_at >= b.t ORDER BY reviewed_at LIMIT 1) FROM b")))
        end_of_table = 1 << 62
        rows = []
        for k in range(last - first):
            a, z = first_ids[k], first_ids[k + 1]
            if a is not None:
                rows.append(f"({first + k},{d.time_literal(starts[k])},"
                            f"{d.time_literal(starts[k + 1])},{int(a)},"
                            f"{end_of_table if z is None else int(z)})")
        if not rows:
            return ReviewDays(self.first, counts, time_ms)
        sql = (
            f"WITH d(i, lo, hi, a, z) AS (VALUES {','.join(rows)}) "
            f"SELECT i, (SELECT coalesce({d.group_concat(code_sql(d), '')}, '') || '|'"
            f" || {d.total('duration_ms')} FROM review_logs WHERE id >= d.a AND id < d.z"
            f" AND {d.filter_only('reviewed_at')} >= d.lo"
            f" AND {d.filter_only('reviewed_at')} < d.hi) FROM d"
        )
        for i, packed in fetch_all(conn, sql):
            codes, _, total = packed.rpartition("|")
            if codes:
                counts[i] = np.bincount(digits(codes), minlength=8)
            time_ms[i] = int(float(total))
        return ReviewDays(self.first, counts, time_ms)

    def grouped(self, conn: StatsConn, first: int, last: int) -> ReviewDays:
        """The same counts as day_slices(), aggregated by the server in one pass: a
        server is good at GROUP BY and slow at building long strings (PostgreSQL)."""
        d = conn.dialect
        counts = np.zeros((self.days, 8), dtype=np.int64)
        time_ms = np.zeros(self.days, dtype=np.int64)
        lo = self.cal.start(self.first + timedelta(days=first))
        hi = self.cal.start(self.first + timedelta(days=last))
        day = self.cal.day_index_sql("reviewed_at", self.first, self.days, d)
        sql = (f"SELECT day, code, count(*), {d.total('duration_ms')} FROM (SELECT {day} AS day,"
               f" {code_sql(d)} AS code, duration_ms FROM review_logs"
               " WHERE reviewed_at >= ? AND reviewed_at < ?) AS r GROUP BY day, code")
        for i, code, n, total in fetch_all(conn, sql, (d.time_param(lo), d.time_param(hi))):
            counts[i, code] += n
            time_ms[i] += int(total)
        return ReviewDays(self.first, counts, time_ms)

    def check(self, conn: StatsConn) -> int:
        """How many reviews the window holds, counted on the reviewed_at index."""
        (n,) = fetch_one(
            conn,
            "SELECT count(*) FROM review_logs WHERE reviewed_at >= ? AND reviewed_at < ?",
            (self.lo, self.hi),
        )
        return int(n)

    # -- the general path: one pass over the window's ids, the day computed per row -------

    def id_ranges(self, conn: StatsConn, parts: int = 1) -> list[tuple[int, int]]:
        """Contiguous id ranges covering every review of the window (empty: none)."""
        (lo_id,) = fetch_one(conn, "SELECT min(id) FROM review_logs WHERE reviewed_at >= ?"
                                   " AND reviewed_at < ?", (self.lo, self.hi))
        if lo_id is None:
            return []
        (hi_id,) = fetch_one(conn, "SELECT max(id) FROM review_logs")
        return split_ids(lo_id, hi_id, parts)

    def sql(self, d: SqlDialect) -> str:
        day = self.cal.day_index_sql("reviewed_at", self.first, self.days, d)
        # "+reviewed_at": filter only, so SQLite walks the id range rather than the index
        plain = d.filter_only("reviewed_at")
        duration = d.greatest("duration_ms", "0")
        code = f"({duration} * {self.days} + {day}) * 8 + {code_sql(d)}"
        return (
            f"SELECT {d.group_concat(code)}"
            f" FROM review_logs WHERE id BETWEEN ? AND ?"
            f" AND {plain} >= {d.time_literal(self.lo)} AND {plain} < {d.time_literal(self.hi)}"
        )

    def codes(self, conn: StatsConn, ids: tuple[int, int]) -> np.ndarray:
        (text,) = fetch_all(conn, self.sql(conn.dialect), ids)[0]
        return int_list(text)

    def one_pass(self, conn: StatsConn) -> ReviewDays:
        return self.review_days([self.codes(conn, ids) for ids in self.id_ranges(conn)])

    # --

    def day_counts(self, conn: StatsConn) -> ReviewDays:
        """Read the window's reviews and count them by day and code: day by day when the
        ids follow time (checked against the index), else in one pass."""
        found = self.day_slices(conn)
        if int(found.counts.sum()) == self.check(conn):
            return found
        return self.one_pass(conn)

    def parts(self, count: int) -> WindowParts:
        """The window read by `count` tasks (see WindowParts)."""
        return WindowParts(self, count)

    def review_days(self, codes: list[np.ndarray]) -> ReviewDays:
        days = self.days
        counts = np.zeros(days * 8, dtype=np.int64)
        time_ms = np.zeros(days, dtype=np.int64)
        for code in codes:
            if not code.size:
                continue
            rest = code >> 3
            day = rest % days
            counts += np.bincount(day * 8 + (code & 7), minlength=days * 8)
            time_ms += np.bincount(day, weights=rest // days, minlength=days).astype(np.int64)
        return ReviewDays(self.first, counts.reshape(days, 8), time_ms)


class WindowParts:
    """The window read by `count` tasks, each on its own connection: task i reads its
    share of the days, and the last also counts the window on the index; merge() checks
    the total and, if ids do not follow time (logs imported out of order), reads the
    window again in one pass."""

    def __init__(self, window: Window, count: int):
        self.window = window
        self.count = max(1, count)

    def read(self, conn: StatsConn, part: int) -> tuple[ReviewDays, int | None]:
        days = self.window.days
        lo, hi = days * part // self.count, days * (part + 1) // self.count
        found = self.window.day_slices(conn, lo, hi)
        return found, (self.window.check(conn) if part == self.count - 1 else None)

    def merge(self, conn: StatsConn, parts: list[tuple[ReviewDays, int | None]]) -> ReviewDays:
        first = parts[0][0]
        merged = ReviewDays(first.first, cast(np.ndarray, sum(p.counts for p, _ in parts)),
                            cast(np.ndarray, sum(p.time_ms for p, _ in parts)))
        expected = next(n for _, n in parts if n is not None)
        if int(merged.counts.sum()) == expected:
            return merged
        return self.window.one_pass(conn)


def split_ids(lo: int, hi: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, parts)
    step = max(1, (hi - lo + parts) // parts)
    return [(a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]


def review_days(conn: StatsConn, cal: StudyCalendar, days: int = WINDOW_DAYS) -> ReviewDays:
    """Per study day of the last `days` (today last): reviews by code, and time studied."""
    return Window.ending_today(cal, days).day_counts(conn)


def studied_days(conn: StatsConn, cal: StudyCalendar, first: date, last: date) -> list[date]:
    """The study days from `first` to `last` with at least one review."""
    if last < first:
        return []
    sql = (
        f"WITH d(i, lo, hi) AS (VALUES {values_sql(cal.ranges(first, last), conn.dialect)}) "
        "SELECT i FROM d WHERE EXISTS"
        " (SELECT 1 FROM review_logs WHERE reviewed_at >= d.lo AND reviewed_at < d.hi)"
    )
    return [first + timedelta(days=i) for (i,) in fetch_all(conn, sql)]


@dataclass(frozen=True)
class History:
    all_time_reviews: int
    first_review_day: date | None
    current_streak: int
    longest_streak: int


@dataclass(frozen=True)
class OlderDays:
    """What the streaks need from before the window: the first study day, and the days
    with reviews from then until the window."""

    first_day: date | None
    studied: list[date]


def older_days(conn: StatsConn, cal: StudyCalendar, before: date) -> OlderDays:
    (first_at,) = fetch_one(conn, "SELECT min(reviewed_at) FROM review_logs")
    if first_at is None:
        return OlderDays(None, [])
    first_day = cal.day_of(SqlDialect.parse_time(first_at))
    return OlderDays(first_day, studied_days(conn, cal, first_day, before - timedelta(days=1)))


def history_from(window: ReviewDays, older: OlderDays, total: int, today: date) -> History:
    if not total:
        return History(0, None, 0, 0)
    studied = set(older.studied)
    reviews = window.counts.sum(axis=1)
    studied.update(window.day(i) for i in np.flatnonzero(reviews).tolist())
    current = current_streak(studied.__contains__, today)
    longest = run = 0
    previous: date | None = None
    for day in sorted(studied):
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    return History(int(total), older.first_day, current, longest)


def history(conn: StatsConn, cal: StudyCalendar, window: ReviewDays) -> History:
    """All-time review count, first day, and streaks (the window's days are reused, older
    days probed on the index)."""
    (total,) = fetch_one(conn, "SELECT count(*) FROM review_logs")
    return history_from(window, older_days(conn, cal, window.first), total, cal.today)


def activity_from(window: ReviewDays, hist: History, cal: StudyCalendar) -> Activity:
    c = window.counts
    kinds = np.stack(
        [c[:, 0] + c[:, 1], c[:, 4] + c[:, 5], c[:, 6] + c[:, 7], c[:, 2] + c[:, 3]], axis=1
    )
    reviews = c.sum(axis=1)
    passed = c[:, 1::2].sum(axis=1)
    days = [
        DayActivity(
            day=window.day(i).isoformat(),
            reviews=int(reviews[i]),
            learning=int(kinds[i, 0]),
            young=int(kinds[i, 1]),
            mature=int(kinds[i, 2]),
            relearning=int(kinds[i, 3]),
            passed=int(passed[i]),
            time_ms=int(window.time_ms[i]),
        )
        for i in range(window.size)
    ]
    periods = []
    for name, length in PERIODS:
        length = min(length, window.size)
        r = reviews[window.size - length:]
        studied = int(np.count_nonzero(r))
        total = int(r.sum())
        periods.append(PeriodActivity(
            period=name,
            days=length,
            reviews=total,
            time_ms=int(window.time_ms[window.size - length:].sum()),
            days_studied=studied,
            reviews_per_day=total / length if length else 0.0,
            reviews_per_studied_day=ratio(total, studied),
        ))
    return Activity(
        today=cal.today.isoformat(),
        days=days,
        periods=periods,
        current_streak=hist.current_streak,
        longest_streak=hist.longest_streak,
        reviews_today=int(reviews[-1]) if window.size else 0,
        time_today_ms=int(window.time_ms[-1]) if window.size else 0,
        all_time_reviews=hist.all_time_reviews,
        first_review_day=hist.first_review_day.isoformat() if hist.first_review_day else None,
    )


def retention_from(window: ReviewDays) -> RetentionTable:
    """True retention by period, young vs mature, from the window's per-day codes."""
    c = window.counts
    rows = []
    for name, skip, length in RETENTION_PERIODS:
        end = window.size - skip
        part = c[max(0, end - length):max(0, end)].sum(axis=0)
        young = RetentionCell.of(int(part[CODE_YOUNG + 1]), int(part[CODE_YOUNG]))
        mature = RetentionCell.of(int(part[CODE_MATURE + 1]), int(part[CODE_MATURE]))
        total = RetentionCell.of(young.passed + mature.passed, young.failed + mature.failed)
        rows.append(RetentionRow(period=name, days=length, young=young, mature=mature, total=total))
    return RetentionTable(rows)


def activity(conn: StatsConn, cal: StudyCalendar, days: int = WINDOW_DAYS) -> Activity:
    window = review_days(conn, cal, days)
    return activity_from(window, history(conn, cal, window), cal)


def retention(conn: StatsConn, cal: StudyCalendar) -> RetentionTable:
    return retention_from(review_days(conn, cal, WINDOW_DAYS))
