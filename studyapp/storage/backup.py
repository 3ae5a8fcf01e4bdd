"""Automatic copies of the database file before risky changes (migrations, imports).

The copy goes through SQLite's online backup API, so it is consistent even while the
WAL holds committed pages not yet checkpointed into the main file."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from studyapp.storage.db import sqlite_file

KEEP_BACKUPS = 5


def backup_dir(db_file: Path) -> Path:
    return db_file.parent / "backups"


def backup_database_file(engine: Engine, *, reason: str, now: datetime | None = None,
                         keep: int = KEEP_BACKUPS, prune: bool = True) -> Path | None:
    """Copy the database file to backups/<stem>-<UTC time>-<reason>.db and keep the newest
    `keep` copies of this database (`prune=False`: leave the older ones; see
    backup_around). Returns the copy's path, or None for a non-file database."""
    db_file = sqlite_file(engine)
    if db_file is None or not db_file.exists():
        return None
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir(db_file) / f"{db_file.stem}-{stamp}-{reason}.db"
    number = 1
    while target.exists():  # never overwrite a copy (a fixed clock, or two in one microsecond)
        number += 1
        target = backup_dir(db_file) / f"{db_file.stem}-{stamp}-{reason}-{number}.db"
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
    if prune:
        _prune(db_file, keep)
    return target


@contextmanager
def backup_around(engine: Engine, *, reason: str, now: datetime | None = None, keep: int = KEEP_BACKUPS):
    """A copy of the database before a risky change that may fail: kept (and older copies
    pruned) only when the change succeeds. A change that fails rolls back and leaves the
    database as it was, so its copy is deleted and never pushes out a good one."""
    db_file = sqlite_file(engine)
    copy = backup_database_file(engine, reason=reason, now=now, keep=keep, prune=False)
    try:
        yield copy
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    if db_file is not None and copy is not None:
        _prune(db_file, keep)


def list_backups(db_file: Path) -> list[Path]:
    """This database's backups, oldest first (the UTC stamp in the name sorts by time)."""
    return sorted(backup_dir(db_file).glob(f"{db_file.stem}-*.db"))


def _prune(db_file: Path, keep: int) -> None:
    for old in list_backups(db_file)[:-keep]:
        old.unlink(missing_ok=True)
