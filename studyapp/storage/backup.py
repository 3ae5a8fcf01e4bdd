"""Automatic copies of the database before risky changes (migrations, imports).

A SQLite file is copied through SQLite's online backup API, so the copy is consistent
even while the WAL holds committed pages not yet checkpointed into the main file. A
database on a server (PostgreSQL) is written as studyapp's JSON backup document (the
format `studyapp backup` writes and `studyapp restore` reads) into the user data
directory's backups/ folder, read in one transaction from the tables as they are (before
a migration, that is the old schema)."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

from studyapp.storage.db import sqlite_file

KEEP_BACKUPS = 5

# The JSON backup document (interop/backup.py writes and reads it in full).
BACKUP_FORMAT = "studyapp-backup"
BACKUP_FORMAT_VERSION = 1
# Tables that are bookkeeping, not the learner's data: never backed up or restored.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "write_revision"})


def backup_dir(db_file: Path) -> Path:
    return db_file.parent / "backups"


def backup_database_file(engine: Engine, *, reason: str, now: datetime | None = None,
                         keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy the database file to backups/<stem>-<UTC time>-<reason>.db and keep the newest
    `keep` copies of this database. Returns the copy's path, or None for a non-file database."""
    if engine.url.get_backend_name() == "postgresql":
        return backup_server_database(engine, reason=reason, now=now, keep=keep)
    db_file = sqlite_file(engine)
    if db_file is None or not db_file.exists():
        return None
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir(db_file) / f"{db_file.stem}-{stamp}-{reason}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(db_file, timeout=5)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    _prune(db_file, keep)
    return target


def list_backups(db_file: Path) -> list[Path]:
    """This database's backups, oldest first (the UTC stamp in the name sorts by time)."""
    return sorted(backup_dir(db_file).glob(f"{db_file.stem}-*.db"))


def _prune(db_file: Path, keep: int) -> None:
    for old in list_backups(db_file)[:-keep]:
        old.unlink(missing_ok=True)


def server_backup_dir() -> Path:
    from studyapp.paths import user_data_dir

    return user_data_dir() / "backups"


def _server_stem(engine: Engine) -> str:
    url = engine.url
    host = url.host or "local"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{host}-{url.database or 'db'}")


def backup_server_database(engine: Engine, *, reason: str, now: datetime | None = None,
                           keep: int = KEEP_BACKUPS) -> Path | None:
    """Write the server database's rows as a JSON backup document; None when it is empty
    (a new database has nothing to lose)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with engine.connect() as conn:
        metadata = MetaData()
        metadata.reflect(bind=conn)
        tables: dict[str, list[dict[str, Any]]] = {}
        for table in metadata.sorted_tables:
            if table.name in BOOKKEEPING_TABLES:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(select(table).order_by(*order)).mappings()
            tables[table.name] = [{k: _json_value(v) for k, v in row.items()} for row in rows]
        revision = None
        if "alembic_version" in metadata.tables:
            revision = conn.execute(select(metadata.tables["alembic_version"])).scalar()
    if not any(tables.values()):
        return None
    document = {"format": BACKUP_FORMAT, "version": BACKUP_FORMAT_VERSION,
                "schema_revision": revision, "created_at": moment.isoformat(), "tables": tables}
    stem = _server_stem(engine)
    target = server_backup_dir() / f"{stem}-{moment.strftime('%Y%m%dT%H%M%S%fZ')}-{reason}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    for old in sorted(server_backup_dir().glob(f"{stem}-*.json"))[:-keep]:
        old.unlink(missing_ok=True)
    return target


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):  # stored naive UTC
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
