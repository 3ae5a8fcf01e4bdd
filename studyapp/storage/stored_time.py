"""How a moment is stored, and the epochs the SQL works in: one home for the text format
SQLite keeps, the Unix and Julian epochs, and conversions to and from them.

Every stored time is UTC. SQLite keeps it as text in DB_TIME's format (what SQLAlchemy's
DATETIME writes); PostgreSQL as a timestamp without time zone. Both come back through
parse_stored_time() as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from studyapp.clock import as_utc

DB_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores our UTC times
UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JULIAN_UNIX_EPOCH = 2440587.5  # the Julian day number of UNIX_EPOCH (SQLite's julianday())


def db_text(moment: datetime) -> str:
    """The text SQLAlchemy stores for an aware datetime: compares with stored values."""
    return as_utc(moment).strftime(DB_TIME)


def parse_stored_time(value: str | datetime | None) -> datetime | None:
    """A stored time as it comes back from the driver, as an aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def julian(moment: datetime) -> float:
    """The Julian day number of a moment, as SQLite's julianday() gives it."""
    return (as_utc(moment) - UNIX_EPOCH).total_seconds() / 86400.0 + JULIAN_UNIX_EPOCH


def from_julian(day: float) -> datetime:
    """The UTC moment of a Julian day number."""
    return UNIX_EPOCH + timedelta(days=day - JULIAN_UNIX_EPOCH)


def to_micros(moment: datetime) -> int:
    """UTC epoch microseconds, exactly (no float rounding)."""
    delta = as_utc(moment) - UNIX_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return UNIX_EPOCH + timedelta(microseconds=int(micros))
