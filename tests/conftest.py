"""Fixtures shared by every test: a fixed clock, an in-memory migrated database, and
an environment that keeps the developer's own data directory and database out of tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from studyapp.clock import FixedClock
from studyapp.storage.db import Database, open_database


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("STUDYAPP_DB", raising=False)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


@pytest.fixture
def database() -> Database:
    db = open_database("sqlite://")
    yield db
    db.dispose()


@pytest.fixture
def file_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'study.db'}"


@pytest.fixture
def make_content(tmp_path: Path):
    """Write a content root from {relative path: text}; returns the root."""

    def _make(files: dict[str, str], name: str = "content") -> Path:
        root = tmp_path / name
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        (root / "decks").mkdir(parents=True, exist_ok=True)
        return root

    return _make


@pytest.fixture(scope="session")
def postgres_cluster():
    """One throwaway PostgreSQL server for the whole run (started on first use)."""
    from tests.postgres_server import HOW_TO_GET, start_cluster

    cluster = start_cluster()
    if cluster is None:
        pytest.skip(HOW_TO_GET)
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(postgres_cluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_cluster.create_database()


@pytest.fixture(scope="session", autouse=True)
def _private_runtime_dir():
    """`studyapp grade` starts a per-user grading server in the runtime directory: every
    test session gets its own (tests/grading narrows it per module), and every server
    started there is stopped at the end, so no test leaves one running in the user's."""
    from tests.grading.conftest import private_runtime_dir

    with private_runtime_dir() as path:
        yield path
