"""One unit of work at a time across the threads of one process.

The TUI reads in worker threads while the event loop writes reviews. SQLite would make
those wait on each other anyway (every transaction begins IMMEDIATE), and an in-memory
database has a single shared connection that two threads must never use at once; a lock
around each unit of work keeps both cases simple and correct."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importing SQLAlchemy costs ~150 ms: not before the first frame
    from sqlalchemy.orm import Session

    from studyapp.storage.db import Database


class SerializedDatabase:
    """A Database whose units of work never overlap (re-entrant within one thread)."""

    def __init__(self, database: Database) -> None:
        self.inner = database
        self._lock = threading.RLock()

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        with self._lock, self.inner.unit_of_work() as session:
            yield session

    def dispose(self) -> None:
        self.inner.dispose()
