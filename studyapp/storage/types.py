"""Column types shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from studyapp.clock import as_utc


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes. SQLite has no time zones, so this
    normalises on the way in (refusing naive values) and re-attaches UTC on the way out."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        tz = value.tzinfo
        if tz is None:
            raise ValueError(f"naive datetime {value!r}: studyapp stores aware UTC times only")
        if tz is UTC:  # the usual case, and bulk imports bind hundreds of thousands
            return value.replace(tzinfo=None)
        return as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else as_utc(value)
