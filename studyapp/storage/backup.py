"""Automatic copies of the database file before risky changes (migrations, imports).

The copy goes through SQLite's online backup API, so it is consistent even while the
WAL holds committed pages not yet checkpointed into the main file."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from studyapp.storage.db import sqlite_file

KEEP_BACKUPS = 5


def backup_dir(db_file: Path) -> Path:
    return db_file.parent / "backups"


def backup_database_file(engine: Engine, *, reason: str, now: datetime | None = None,
                         keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy the database file to backups/<stem>-<UTC time>-<reason>.db and keep the newest
    `keep` copies of this database. Returns the copy's path, or None for a non-file database."""
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
