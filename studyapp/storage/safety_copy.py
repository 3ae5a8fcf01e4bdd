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
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, select

from studyapp.paths import user_data_dir
from studyapp.storage.db import sqlite_file

KEEP_BACKUPS = 5  # per kind of backup: imports never push out the copies made before a migration
STAMP_FORMAT = "%Y%m%dT%H%M%S%fZ"
# <stem>-<stamp>-<reason>[-<n>].<suffix>; the stamp sorts by time
_STAMPED = re.compile(r"^(?P<stamp>\d{8}T\d{12}Z)-(?P<reason>.+)$")

# The JSON backup document (interop/json_backup.py writes and reads it in full).
BACKUP_FORMAT = "studyapp-backup"
BACKUP_FORMAT_VERSION = 1
# Tables that are bookkeeping, not the learner's data: never backed up or restored.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "write_revision"})


def backup_dir(db_file: Path) -> Path:
    return db_file.parent / "backups"


def backup_database_file(engine: Engine, *, reason: str, now: datetime | None = None,
                         keep: int = KEEP_BACKUPS, prune: bool = True) -> Path | None:
    """Copy the database file to backups/<stem>-<UTC time>-<reason>.db and keep the newest
    `keep` copies of this kind (see backup_kind). `prune=False` leaves the older copies
    (backup_for_change prunes only once the change succeeded). Returns the copy's path, or
    None for a non-file database."""
    if engine.url.get_backend_name() == "postgresql":
        return backup_server_database(engine, reason=reason, now=now, keep=keep, prune=prune)
    db_file = sqlite_file(engine)
    if db_file is None or not db_file.exists():
        return None
    target = _unused(backup_dir(db_file), db_file.stem, now, reason, ".db")
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
        _prune(list_backups(db_file), db_file.stem, keep)
    return target


@contextmanager
def backup_for_change(engine: Engine, *, reason: str, now: datetime | None = None,
                      keep: int = KEEP_BACKUPS) -> Iterator[Path | None]:
    """A copy of the database taken right before a change that runs in the `with` block.

    The change is one transaction: when it fails it rolls back and the database is as the
    copy has it, so the copy is deleted again; older copies are pruned only after the
    change succeeded, so failed attempts never push out good backups."""
    copy = backup_database_file(engine, reason=reason, now=now, keep=keep, prune=False)
    try:
        yield copy
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    if copy is not None:
        prune_backups(engine, keep=keep)


def prune_backups(engine: Engine, *, keep: int = KEEP_BACKUPS) -> None:
    """Keep the newest `keep` backups of each kind of this database."""
    if engine.url.get_backend_name() == "postgresql":
        stem = _server_stem(engine)
        _prune(sorted(server_backup_dir().glob(f"{stem}-*.json")), stem, keep)
        return
    db_file = sqlite_file(engine)
    if db_file is not None:
        _prune(list_backups(db_file), db_file.stem, keep)


def backup_kind(reason: str) -> str:
    """What a backup was for, across versions: "pre-migrate-0002" and "pre-migrate-0003"
    are both "pre-migrate"; "pre-import" is "pre-import"."""
    return "-".join(reason.split("-")[:2])


def _unused(folder: Path, stem: str, now: datetime | None, reason: str, suffix: str) -> Path:
    """backups/<stem>-<stamp>-<reason><suffix> with a stamp no other copy has: when the
    name is taken (a fixed clock, two copies in one microsecond) the stamp moves on by a
    microsecond, so a backup never overwrites another and the names still sort by time."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    taken = (
        {p.stem[len(stem) + 1 :].split("-", 1)[0] for p in folder.glob(f"{stem}-*")}
        if folder.is_dir()
        else set()
    )
    while moment.strftime(STAMP_FORMAT) in taken:
        moment += timedelta(microseconds=1)
    return folder / f"{stem}-{moment.strftime(STAMP_FORMAT)}-{reason}{suffix}"


def list_backups(db_file: Path) -> list[Path]:
    """This database's backups, oldest first (the UTC stamp in the name sorts by time)."""
    return sorted(p for p in backup_dir(db_file).glob(f"{db_file.stem}-*.db")
                  if _STAMPED.match(p.stem[len(db_file.stem) + 1:]))


def _prune(backups: list[Path], stem: str, keep: int) -> None:
    """Delete all but the newest `keep` of each kind; `backups` sorted oldest first."""
    by_kind: dict[str, list[Path]] = defaultdict(list)
    for path in backups:
        match = _STAMPED.match(path.stem[len(stem) + 1:])
        if match:  # another database's copies ("<stem>-2-...") are not ours to delete
            by_kind[backup_kind(match.group("reason"))].append(path)
    for paths in by_kind.values():
        for old in paths[:-keep]:
            old.unlink(missing_ok=True)


def server_backup_dir() -> Path:
    return user_data_dir() / "backups"


def _server_stem(engine: Engine) -> str:
    url = engine.url
    host = url.host or "local"
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{host}-{url.database or 'db'}")


def backup_server_database(engine: Engine, *, reason: str, now: datetime | None = None,
                           keep: int = KEEP_BACKUPS, prune: bool = True) -> Path | None:
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
    target = _unused(server_backup_dir(), stem, moment, reason, ".json")
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
    if prune:
        _prune(sorted(server_backup_dir().glob(f"{stem}-*.json")), stem, keep)
    return target


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):  # stored naive UTC
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value
