"""`studyapp backup FILE` / `studyapp restore FILE`: the whole database as one JSON document.

Every table of the schema (decks, cards, card_states, review_logs, submissions,
settings) is written row by row with its ids, datetimes as ISO 8601 UTC. A restore goes
into an empty database only, in one transaction, keeping the ids, so backup -> restore
-> backup gives the same document.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.interop.media import list_media, safe_name, store_media
from studyapp.storage.db import Database
from studyapp.storage.models import Base
from studyapp.storage.safety_copy import BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BOOKKEEPING_TABLES
from studyapp.storage.sqldialect import move_sequences_past_ids
from studyapp.storage.types import UTCDateTime

FORMAT = BACKUP_FORMAT
FORMAT_VERSION = BACKUP_FORMAT_VERSION
INT64 = (-(2**63), 2**63 - 1)


def tables() -> list[Table]:
    """The schema's tables, parents before children (the order a restore inserts);
    bookkeeping tables (the write revision) are not the learner's data."""
    return [t for t in Base.metadata.sorted_tables if t.name not in BOOKKEEPING_TABLES]


# -- dumping ------------------------------------------------------------------------------


def dump_tables(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table as JSON-ready dicts, ordered by primary key."""
    result: dict[str, list[dict[str, Any]]] = {}
    for table in tables():
        query = select(table).order_by(*table.primary_key.columns)
        result[table.name] = [
            {column.name: _to_json(column, row[column.name]) for column in table.columns}
            for row in session.execute(query).mappings()
        ]
    return result


def _to_json(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, UTCDateTime):
        return value.astimezone(UTC).isoformat()
    return value


def make_backup(database: Database, now: datetime, media_dir: Path | None = None) -> dict[str, Any]:
    # deferred: alembic takes ~0.4 s to import, and only a backup needs the revision
    from studyapp.storage.migrate import current_revision

    with database.unit_of_work() as session:  # one read transaction: a consistent snapshot
        data = dump_tables(session)
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema_revision": current_revision(database.engine),
        "created_at": now.astimezone(UTC).isoformat(),
        "tables": data,
    }
    if media_dir is not None:
        # the imported images and sounds, by name (an optional key: older backups lack it)
        document["media"] = {
            file.name: base64.b64encode(file.read_bytes()).decode("ascii")
            for file in list_media(media_dir)
        }
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def write_backup(
    database: Database, path: Path, now: datetime, media_dir: Path | None = None
) -> dict[str, int]:
    document = make_backup(database, now, media_dir)
    text = render(document)
    target = path.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise UserError(f"{path}: cannot write the backup ({exc.strerror or exc})") from exc
    counts = {name: len(rows) for name, rows in document["tables"].items()}
    if "media" in document:
        counts["media files"] = len(document["media"])
    return counts


# -- restoring ----------------------------------------------------------------------------


def read_backup(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The rows of a backup file, validated column by column, or a UserError."""
    return read_backup_with_media(path)[0]


def read_backup_with_media(path: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, bytes]]:
    """The rows and the media files (name -> bytes) of a backup file, or a UserError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(f"{path}:{line}: not a studyapp backup (not UTF-8 JSON text)") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"{path}:{exc.lineno}: not a studyapp backup (invalid JSON: {exc.msg})"
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise UserError(f"{path}: not a studyapp backup (unreadable JSON)") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UserError(f"{path}: not a studyapp backup (no \"format\": \"{FORMAT}\")")
    version = document.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise UserError(
            f"{path}: backup format version {version!r:.20} is not supported "
            f"(this studyapp reads version {FORMAT_VERSION})"
        )
    data = document.get("tables")
    if not isinstance(data, dict):
        raise UserError(f"{path}: not a studyapp backup (no \"tables\" object)")
    known = {table.name: table for table in tables()}
    unknown = sorted(str(name) for name in data if name not in known)
    if unknown:
        raise UserError(
            f"{path}: the backup has tables this studyapp does not know ({', '.join(unknown)}); "
            f"was it written by a newer version?"
        )
    rows: dict[str, list[dict[str, Any]]] = {}
    for name, table in known.items():
        entries = data.get(name, [])
        if not isinstance(entries, list):
            raise UserError(f"{path}: table {name!r} is not a list of rows")
        rows[name] = [_row(path, table, index, entry) for index, entry in enumerate(entries, 1)]
    return rows, _media(path, document.get("media", {}))


def _media(path: Path, media: Any) -> dict[str, bytes]:
    if not isinstance(media, dict):
        raise UserError(f"{path}: the backup's \"media\" is not an object of name: base64 text")
    files: dict[str, bytes] = {}
    for name, encoded in media.items():
        if safe_name(name) != name or not isinstance(encoded, str):
            raise UserError(f"{path}: media file {name!r:.60} has an unsafe name or no base64 text")
        try:
            files[name] = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise UserError(f"{path}: media file {name!r:.60} is not valid base64") from exc
    return files


def _row(path: Path, table: Table, index: int, entry: Any) -> dict[str, Any]:
    where = f"{path}: {table.name} row {index}"
    if not isinstance(entry, dict):
        raise UserError(f"{where} is not an object")
    columns = {c.name: c for c in table.columns}
    unknown = sorted(str(k) for k in entry if k not in columns)
    if unknown:
        raise UserError(f"{where} has unknown columns ({', '.join(unknown)})")
    row: dict[str, Any] = {}
    for name, column in columns.items():
        value = entry.get(name)
        if value is None:
            if not column.nullable and not isinstance(column.type, JSON):
                raise UserError(f"{where}: {name} is missing")
            row[name] = None
            continue
        row[name] = _from_json(where, column, value)
    return row


def _from_json(where: str, column: Column, value: Any) -> Any:
    kind = column.type
    name = column.name
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise UserError(f"{where}: {name} is not a date-time text")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise UserError(f"{where}: {name} is not an ISO date-time ({value!r:.40})") from exc
        if moment.tzinfo is None:
            raise UserError(f"{where}: {name} has no time zone ({value!r:.40})")
        return moment.astimezone(UTC)
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise UserError(f"{where}: {name} is not true or false")
        return value
    if isinstance(kind, Integer):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not INT64[0] <= value <= INT64[1]
        ):
            raise UserError(f"{where}: {name} is not a whole number")
        return value
    if isinstance(kind, Float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(f"{where}: {name} is not a number")
        if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
            raise UserError(f"{where}: {name} is out of range")
        return float(value)
    if isinstance(kind, String):  # Text is a String
        if not isinstance(value, str):
            raise UserError(f"{where}: {name} is not text")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise UserError(f"{where}: {name} is not valid text") from exc
        return value
    return value


def row_counts(session: Session) -> dict[str, int]:
    return {t.name: session.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}


def restore_backup(database: Database, path: Path, media_dir: Path | None = None) -> dict[str, int]:
    """Restore `path` into `database`, which must be empty; all in one transaction. Its
    media files go to `media_dir` after the rows are in."""
    rows, media = read_backup_with_media(path)
    try:
        with database.unit_of_work() as session:
            present = {name: n for name, n in row_counts(session).items() if n}
            if present:
                listed = ", ".join(f"{n} {name}" for name, n in present.items())
                raise UserError(
                    f"the database is not empty ({listed}); restore needs a new, empty database: "
                    f"pass --db with a new file (for example --db sqlite:///restored.db)"
                )
            for table in tables():
                if rows[table.name]:
                    session.execute(insert(table), rows[table.name])
            if session.get_bind().dialect.name == "postgresql":
                move_sequences_past_ids(session, tables())
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise UserError(
            f"{path}: the backup does not fit together ({str(detail).splitlines()[0]})"
        ) from exc
    counts = {name: len(r) for name, r in rows.items()}
    if media and media_dir is not None:
        counts["media files"] = store_media(media_dir, media.items()).count
    return counts
