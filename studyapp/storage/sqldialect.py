"""Hand-written SQL for SQLite and PostgreSQL from one definition.

The queue, the stats and the optimizer read hundreds of thousands of rows on every call,
so they run SQL text on the session's own driver cursor (inside its transaction) instead
of compiling SQLAlchemy constructs each time. The text is written once, with ``?``
placeholders and the few constructs the two engines spell differently taken from a
``SqlDialect``; the driver-ready text is derived once per (statement, engine) and cached.

What differs, and why each helper exists:
- placeholders: sqlite3 takes ``?``, psycopg ``%s`` (and a literal ``%`` must be doubled);
- times: SQLite stores naive UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``, which sorts like
  time); PostgreSQL a ``timestamp``. Parameters go in as that text or as a naive UTC
  datetime (``time_param``), and rows come back as text or datetime (``parse_time``);
- epoch arithmetic: ``unixepoch``/``julianday`` vs ``extract(epoch from ...)``;
- aggregates: ``group_concat``/``total`` vs ``string_agg``/``coalesce(sum(...), 0)``;
- booleans: SQLite has 0 and 1 (and partial indexes written with ``= 0``), PostgreSQL
  real booleans, which also have to be cast before they are added up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, cast, overload

from sqlalchemy import Connection, Integer, Table
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.jsontypes import JsonObject, JsonValue
from studyapp.storage.stored_time import DB_TIME, parse_stored_time


@dataclass(frozen=True)
class SqlDialect:
    """The spelling of one engine. Only the two engines studyapp supports exist."""

    name: str

    @property
    def is_postgresql(self) -> bool:
        return self.name == "postgresql"

    # -- literals and parameters ---------------------------------------------------------
    @property
    def false(self) -> str:
        return "false" if self.is_postgresql else "0"

    @property
    def true(self) -> str:
        return "true" if self.is_postgresql else "1"

    def time_param(self, moment: datetime) -> datetime | str:
        """A UTC moment as a parameter that compares with a stored time column."""
        naive = as_utc(moment).replace(tzinfo=None)
        return naive if self.is_postgresql else naive.strftime(DB_TIME)

    def time_literal(self, moment_or_text: datetime | str) -> str:
        """A stored-time literal for SQL text (only from datetimes or checked stamps)."""
        text = (moment_or_text if isinstance(moment_or_text, str)
                else as_utc(moment_or_text).replace(tzinfo=None).strftime(DB_TIME))
        return f"TIMESTAMP '{text}'" if self.is_postgresql else f"'{text}'"

    # -- expressions -----------------------------------------------------------------------
    def epoch_seconds(self, col: str) -> str:
        """A time column as UTC epoch seconds, a float (NULL stays NULL).

        PostgreSQL: date_part, not extract: since PostgreSQL 14 extract computes a numeric,
        which costs about a microsecond a row more (the queue's due reviews: ~3 ms of 10),
        and both give the double nearest to the exact value."""
        if self.is_postgresql:
            return f"date_part('epoch', {col})"
        return f"(julianday({col}) - 2440587.5) * 86400.0"

    def julianday(self, col: str) -> str:
        if self.is_postgresql:
            return f"({self.epoch_seconds(col)} / 86400.0 + 2440587.5)"
        return f"julianday({col})"

    def greatest(self, a: str, b: str) -> str:
        return f"greatest({a}, {b})" if self.is_postgresql else f"max({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"least({a}, {b})" if self.is_postgresql else f"min({a}, {b})"

    def group_concat(self, expr: str, sep: str = ",") -> str:
        if self.is_postgresql:
            return f"string_agg(({expr})::text, '{sep}')"
        return f"group_concat({expr}, '{sep}')"

    def total(self, expr: str) -> str:
        """Sum as a float, 0.0 over no rows (SQLite's total())."""
        if self.is_postgresql:
            return f"coalesce(sum({expr}), 0)::float8"
        return f"total({expr})"

    def as_int(self, condition: str) -> str:
        """A condition as 0/1, to add up or do arithmetic with."""
        return f"({condition})::int" if self.is_postgresql else f"({condition})"

    @property
    def join_in_order(self) -> str:
        """An inner join whose tables SQLite must visit in the written order (its CROSS
        JOIN ... ON); PostgreSQL plans joins itself and knows no CROSS JOIN ... ON."""
        return "JOIN" if self.is_postgresql else "CROSS JOIN"

    def filter_only(self, col: str) -> str:
        """A column used only to filter, not to pick an index: SQLite's unary plus."""
        return col if self.is_postgresql else f"+{col}"

    def json_text(self, col: str, *path: str) -> str:
        """The value at `path` in a JSON column, as text (NULL when absent)."""
        for key in path:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                raise ValueError(f"not a JSON key for SQL: {key!r}")
        if self.is_postgresql:
            steps = "".join(f" -> '{k}'" for k in path[:-1])
            return f"(({col})::json{steps} ->> '{path[-1]}')"
        return f"json_extract({col}, '$.{'.'.join(path)}')"

    # -- results -------------------------------------------------------------------------
    @overload
    @staticmethod
    def parse_time(value: None) -> None: ...
    @overload
    @staticmethod
    def parse_time(value: str | datetime) -> datetime: ...
    @staticmethod
    def parse_time(value: str | datetime | None) -> datetime | None:
        """A stored time as it comes back from the driver, as an aware UTC datetime."""
        return parse_stored_time(value)


def parse_json(value: object) -> JsonValue:
    """A JSON column as it comes back: text from sqlite3, already decoded from psycopg."""
    if value is None or not isinstance(value, str | bytes):
        # psycopg decodes a JSON column itself: the value is what json.loads would give
        return cast(JsonValue, value)
    parsed: JsonValue = json.loads(value) if value else None
    return parsed


def parse_json_object(value: object) -> JsonObject:
    """A JSON column that holds an object (a card's ``extra``): ``{}`` for NULL, empty text
    or an empty object; TypeError for a column that holds anything but an object."""
    parsed = parse_json(value)
    if not parsed:
        return {}
    if not isinstance(parsed, dict):
        raise TypeError(f"expected a JSON object, got {type(parsed).__name__}")
    return parsed


SQLITE = SqlDialect("sqlite")
POSTGRESQL = SqlDialect("postgresql")


def dialect_of(session: Session) -> SqlDialect:
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return SQLITE
    if name == "postgresql":
        return POSTGRESQL
    raise ValueError(f"studyapp speaks SQLite and PostgreSQL, not {name}")


@lru_cache(maxsize=512)
def driver_text(sql: str, dialect_name: str) -> str:
    """`sql` with ``?`` placeholders as the driver wants it (cached per statement)."""
    if dialect_name != "postgresql":
        return sql
    return sql.replace("%", "%%").replace("?", "%s")


class RawSql:
    """Driver-level access inside the session's transaction, in the session's dialect."""

    CHUNK = 500

    def __init__(self, session: Session) -> None:
        self.dialect = dialect_of(session)
        self.cursor = session.connection().connection.cursor()

    def rows(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        params = tuple(params)
        text = driver_text(sql, self.dialect.name)
        if self.dialect.is_postgresql:
            if not params:
                text = sql  # psycopg leaves a statement without parameters as it is
            # Planned for these values every time, never prepared: psycopg prepares a statement
            # on its 5th run on a connection, and PostgreSQL's generic plan then cannot see
            # that `due < $3` picks 2% of the states, guesses a third, and hashes all 100k
            # cards (the queue's reviews: 85 ms instead of 10). Planning costs ~0.3 ms.
            cast(Any, self.cursor).execute(text, params, prepare=False)  # psycopg's own keyword
        else:
            self.cursor.execute(text, params)
        # both drivers return a list of tuples (DB-API only promises a sequence)
        return cast(list[tuple[Any, ...]], self.cursor.fetchall())

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...]:
        return self.rows(sql, params)[0]

    def rows_in(self, sql: str, ids: Sequence[object],
                extra: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """`sql` with one ``{ids}`` placeholder for an IN list, run in chunks."""
        out: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start:start + self.CHUNK]
            out.extend(self.rows(sql.format(ids=",".join("?" * len(chunk))), (*chunk, *extra)))
        return out


def move_sequences_past_ids(connection: Session | Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL hands out ids from sequences that an insert with explicit ids does not
    move: after such inserts (a restore, a bulk copy) the first new row would collide with
    an existing one. Tables without a single integer id (settings, drafts) have no sequence."""
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        connection.execute(sql_text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'),"
            f" coalesce((SELECT max({pk[0].name}) FROM {table.name}), 0) + 1, false)"
            f" WHERE pg_get_serial_sequence('{table.name}', '{pk[0].name}') IS NOT NULL"))
