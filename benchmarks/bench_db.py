"""Shared by the benchmarks: `--db URL` for SQLite or PostgreSQL.

The big synthetic collections are written with sqlite3 directly (the ORM would take
minutes for a million rows). For a PostgreSQL URL they are built in a temporary SQLite
file first and then copied into the (empty, migrated) server database with COPY, which
takes seconds; the copy keeps the ids and moves the sequences past them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Boolean, text
from sqlalchemy.engine import make_url

from studyapp.storage.db import open_database
from studyapp.storage.models import Base
from studyapp.storage.safety_copy import BOOKKEEPING_TABLES
from studyapp.storage.sqldialect import move_sequences_past_ids


def is_server_url(url: str | None) -> bool:
    return bool(url) and make_url(url).get_backend_name() == "postgresql"


def sqlite_path_of(value: str | None) -> Path | None:
    """`--db` as a SQLite file: a sqlite:/// URL or (as before) a plain path."""
    if not value:
        return None
    if "://" not in value:
        return Path(value)
    url = make_url(value)
    return Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None


def server_has_data(url: str) -> bool:
    db = open_database(url)
    try:
        with db.unit_of_work() as session:
            return session.execute(text("SELECT count(*) FROM review_logs")).scalar() > 0
    finally:
        db.dispose()


def copy_sqlite_into(url: str, sqlite_file: Path) -> None:
    """Copy every table of the migrated SQLite file into the server database at `url`."""
    db = open_database(url)  # the schema via the migrations
    source = sqlite3.connect(sqlite_file)
    try:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            for table in Base.metadata.sorted_tables:
                if table.name in BOOKKEEPING_TABLES:
                    continue
                columns = [c.name for c in table.columns]
                booleans = {i for i, c in enumerate(table.columns) if isinstance(c.type, Boolean)}
                rows = source.execute(f"SELECT {', '.join(columns)} FROM {table.name}")
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        if booleans:
                            row = tuple(bool(v) if i in booleans and v is not None else v
                                        for i, v in enumerate(row))
                        copy.write_row(row)
            raw.commit()
            # What autovacuum does to a server's tables in the hours after a bulk load: the
            # statistics, and the visibility map that lets the queue's index-only scans skip
            # the heap. Left to autovacuum, it ran during the measurements (on two cores it
            # took a core from them) and the first queries read the heap.
            driver = raw.driver_connection
            driver.autocommit = True  # VACUUM cannot run inside a transaction
            try:
                cursor.execute("VACUUM (ANALYZE)")
            finally:
                driver.autocommit = False
        finally:
            raw.close()
        with db.engine.begin() as conn:
            move_sequences_past_ids(conn, Base.metadata.sorted_tables)
    finally:
        source.close()
        db.dispose()
