"""The one home of the stored-time format and the epochs the SQL works in."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

from studyapp.storage.stored_time import (
    db_text,
    from_julian,
    from_micros,
    julian,
    parse_stored_time,
    to_micros,
)


def test_text_round_trip_and_naive_driver_values_are_utc():
    moment = datetime(2026, 3, 1, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=2)))
    assert db_text(moment) == "2026-03-01 21:59:59.999999"
    assert parse_stored_time(db_text(moment)) == moment
    assert parse_stored_time(datetime(2026, 3, 1, 21)) == datetime(2026, 3, 1, 21, tzinfo=UTC)
    assert parse_stored_time(None) is None


def test_julian_agrees_with_sqlite_and_comes_back():
    moment = datetime(2026, 7, 4, 12, 30, tzinfo=UTC)
    (expected,) = (
        sqlite3.connect(":memory:").execute("SELECT julianday(?)", (db_text(moment),)).fetchone()
    )
    assert abs(julian(moment) - expected) < 1e-9
    assert abs(from_julian(julian(moment)) - moment) < timedelta(milliseconds=1)


def test_micros_are_exact():
    moment = datetime(2026, 7, 4, 12, 30, 0, 123_456, tzinfo=UTC)
    assert to_micros(moment) % 1_000_000 == 123_456
    assert from_micros(to_micros(moment)) == moment
