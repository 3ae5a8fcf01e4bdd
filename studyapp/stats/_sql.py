"""Low-level helpers shared by the stats modules: raw SQL access and time encodings.

The stats read hundreds of thousands of review logs, so they talk to the database directly
(through the session's own DBAPI connection, inside its transaction) and bring back only
aggregates or compact code strings that numpy turns into arrays. The statements are
written once for SQLite and PostgreSQL (storage/sqldialect.py spells what differs). On
SQLite, times are stored by SQLAlchemy as naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff``,
which sorts like time; on PostgreSQL they are ``timestamp`` values.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from studyapp.storage.sqldialect import SQLITE, SqlDialect, dialect_of, driver_text

US_PER_DAY = 86_400_000_000

# unixepoch() arrived in SQLite 3.38; strftime('%s') does the same, a little slower.
if sqlite3.sqlite_version_info >= (3, 38, 0):
    _SECONDS = "unixepoch({col})"
else:  # pragma: no cover - depends on the SQLite Python was built with
    _SECONDS = "CAST(strftime('%s', {col}) AS INTEGER)"


def seconds_sql(col: str, d: SqlDialect = SQLITE) -> str:
    """SQL for a stored time column as UTC epoch seconds (NULL stays NULL). SQLite parses
    times to the millisecond, so a fraction of .9995 or more rounds up to the next second;
    exact_seconds_sql() truncates instead, at about twice the cost. PostgreSQL is exact."""
    if d.is_postgresql:
        return exact_seconds_sql(col, d)
    return _SECONDS.format(col=col)


def exact_seconds_sql(col: str, d: SqlDialect = SQLITE) -> str:
    """Whole UTC epoch seconds, truncated: only the text up to the seconds is parsed."""
    if d.is_postgresql:
        return f"floor(extract(epoch from {col}))::bigint"
    return _SECONDS.format(col=f"substr({col}, 1, 19)")


def micros_sql(col: str, d: SqlDialect = SQLITE) -> str:
    """SQL for a stored time column as UTC epoch microseconds (NULL stays NULL), to be
    passed through fix_micros(): seconds from the date functions plus the six fraction
    digits of the text, so sub-second boundaries agree exactly with Python's datetimes."""
    if d.is_postgresql:
        return f"(extract(epoch from {col}) * 1000000)::bigint"
    return f"({seconds_sql(col)} * 1000000 + CAST(substr({col}, 21, 6) AS INTEGER))"


def fix_micros(values: np.ndarray, d: SqlDialect = SQLITE) -> np.ndarray:
    """Undo SQLite's millisecond rounding in micros_sql() values: a fraction of .9995 or
    more was counted in the next second as well as in the fraction (PostgreSQL: exact)."""
    if d.is_postgresql:
        return values
    carried = (values >= 0) & (values % 1_000_000 >= 999_500)
    return values - carried * 1_000_000



class StatsConn:
    """A driver connection and its dialect: what every stats query runs on. The
    session's own (inside its transaction), or a helper lane's pooled one."""

    def __init__(self, driver: Any, dialect: SqlDialect) -> None:
        self.driver = driver
        self.dialect = dialect

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        params = tuple(params)
        text = driver_text(sql, self.dialect.name) if params else sql
        cursor = self.driver.cursor()
        try:
            cursor.execute(text, params)
            return cursor.fetchall()
        finally:
            cursor.close()


def dbapi_connection(session: Session) -> StatsConn:
    """The connection under `session`, inside the session's transaction."""
    return StatsConn(session.connection().connection.driver_connection, dialect_of(session))


@contextmanager
def bulk_reads(conn: StatsConn, mmap_bytes: int = 1 << 30) -> Iterator[StatsConn]:
    """Memory-map the database file while the stats scan it (a scan reads pages straight
    from the OS cache instead of copying them in), then put the setting back: the
    connection belongs to a pool. (SQLite only: a server has its own buffers.)"""
    if conn.dialect.is_postgresql:
        yield conn
        return
    raw = conn.driver
    try:
        row = raw.execute("PRAGMA mmap_size").fetchone()
    except sqlite3.Error:  # pragma: no cover
        row = None
    before = row[0] if row else None
    if before is None or before >= mmap_bytes:  # an in-memory database has no file to map
        yield conn
        return
    raw.execute(f"PRAGMA mmap_size={int(mmap_bytes)}")
    try:
        yield conn
    finally:
        raw.execute(f"PRAGMA mmap_size={int(before)}")


def fetch_all(conn: StatsConn, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    return conn.rows(sql, params)


def fetch_one(conn: StatsConn, sql: str, params: Sequence[Any] = ()) -> tuple:
    rows = fetch_all(conn, sql, params)
    return rows[0]


def values_sql(rows: Sequence[tuple[int, str, str]], d: SqlDialect = SQLITE) -> str:
    """A VALUES list of (index, lo, hi) literals. Only ints and db_text() strings go in,
    so the literals are safe; they keep the statement under any bound-variable limit."""
    parts = []
    for i, lo, hi in rows:
        if not (_is_stamp(lo) and _is_stamp(hi)):
            raise ValueError(f"not a stored time: {lo!r} / {hi!r}")
        parts.append(f"({int(i)},{d.time_literal(lo)},{d.time_literal(hi)})")
    return ",".join(parts)


_STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")


def _is_stamp(text: str) -> bool:
    return _STAMP.fullmatch(text) is not None


def checked_stamp(text: str) -> str:
    """`text` if it is a stored time (safe to put in SQL as a literal), else ValueError."""
    if not _is_stamp(text):
        raise ValueError(f"not a stored time: {text!r}")
    return text


def digits(text: str | None) -> np.ndarray:
    """A string of decimal digits ("3102") as a uint8 array of their values."""
    if not text:
        return np.zeros(0, dtype=np.uint8)
    return np.frombuffer(text.encode("ascii"), dtype=np.uint8) - ord("0")


def int_list(text: str | None) -> np.ndarray:
    """A comma-separated list of integers, as group_concat writes it, as an int64 array."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def float_list(text: str | None) -> np.ndarray:
    if not text:
        return np.zeros(0, dtype=np.float64)
    return np.fromstring(text, dtype=np.float64, sep=",")
