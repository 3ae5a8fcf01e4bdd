"""A session on a fresh in-memory database with a History builder, and a fixed `now`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from studyapp.storage.db import open_database
from tests.stats.builder import History

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # study day 2026-03-10 (UTC, day starts 04:00)


@pytest.fixture
def session():
    db = open_database("sqlite://")
    with db.unit_of_work() as s:
        yield s
    db.dispose()


@pytest.fixture
def history(session) -> History:
    return History(session)
