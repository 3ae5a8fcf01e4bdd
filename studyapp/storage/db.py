"""Engines, sessions and the unit of work. Nothing here runs at import time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from studyapp.errors import UserError
from studyapp.storage.schema_head import is_at_head

if TYPE_CHECKING:  # for a type only: sqlite3 loads with the first SQLite connection
    import sqlite3

BUSY_TIMEOUT_MS = 5000


def create_db_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError for junk
        raise UserError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=True)
        _configure_postgresql(engine)
        return engine
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url)
    in_memory = parsed.database in (None, "", ":memory:")
    if not in_memory and parsed.database:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        # one shared connection, or every session would see its own empty in-memory database
        poolclass=StaticPool if in_memory else None,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    )
    _configure_sqlite(engine, wal=not in_memory)
    return engine


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs;
        # we issue BEGIN ourselves (below) so a unit of work is one real transaction.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # 64 MiB page cache (the default is 2 MiB): queue planning and stats scan
        # indexes over a million review logs; this keeps them in memory.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front: a second process waits (busy timeout)
        # instead of failing half-way when a read transaction tries to become a write,
        # so two processes on one database never lose an update.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# Every unit of work takes this transaction-level advisory lock first, so write
# transactions from any number of machines run one after another, as BEGIN IMMEDIATE makes
# them on SQLite: two devices reviewing the same cards at once lose no update. The number
# is arbitrary but fixed ("studyapp" in ASCII, folded to a signed 64-bit key).
ADVISORY_LOCK_KEY = int.from_bytes(b"studyapp", "big") - (1 << 63)


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    # psycopg's connection (typed Any: psycopg is an optional dependency)
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Waiting for the lock is bounded like SQLite's busy timeout; past it the
        # statement fails with a lock error the CLI reports in one line.
        autocommit = dbapi_conn.autocommit
        dbapi_conn.autocommit = True
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.autocommit = autocommit

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")

    @event.listens_for(engine, "commit")
    def _on_commit(conn: Connection) -> None:
        # A transaction that wrote has an id; it bumps the write revision as it commits
        # (the queue cache's "has anything changed", see scheduling/queue.py). Before the
        # schema exists (the first migration) there is no row to bump.
        if conn.info.get("no_write_revision"):
            return
        if not conn.info.get("has_write_revision"):  # an older schema: look once per connection
            if not conn.exec_driver_sql(
                "SELECT to_regclass('write_revision') IS NOT NULL"
            ).scalar():
                return
            conn.info["has_write_revision"] = True
        conn.exec_driver_sql(
            "UPDATE write_revision SET value = value + 1 WHERE id = 1"
            " AND txid_current_if_assigned() IS NOT NULL")


def is_postgresql(engine: Engine) -> bool:
    return engine.url.get_backend_name() == "postgresql"


def sqlite_file(engine: Engine) -> Path | None:
    if engine.url.get_backend_name() != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    return Path(engine.url.database).expanduser()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commits when the block ends, rolls back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@dataclass
class Database:
    """An opened, migrated database: its engine and session factory."""

    url: str
    engine: Engine
    session_factory: sessionmaker[Session] = field(repr=False)
    # copies written while opening (before a migration), for the caller to report
    backups_taken: list[Path] = field(default_factory=list, repr=False)

    def unit_of_work(self) -> AbstractContextManager[Session]:
        return unit_of_work(self.session_factory)

    @property
    def file_path(self) -> Path | None:
        """The SQLite file behind this database, or None (in memory, another backend)."""
        return sqlite_file(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open `url` and, unless told not to, upgrade its schema to the newest migration
    (backing the file up first when it already holds data)."""
    engine = create_db_engine(url)
    backups: list[Path] = []
    if migrate and not is_at_head(engine):
        # deferred: alembic takes ~0.2 s to import, and a database at head does not need it
        from studyapp.storage.migrate import upgrade_to_head

        upgrade_to_head(engine, backup_first=True, backups=backups)
    return Database(url=url, engine=engine, session_factory=make_session_factory(engine),
                    backups_taken=backups)
