"""What every command handler gets: the database (opened on first use), the clock, streams.

Two views of the one database, named for what they promise:
- `plain_database`: opened and migrated to head, nothing else (backup and restore need the
  database exactly as it is);
- `synced_database`: the same, and on a new database the shipped content synced in first
  (what every other command works on)."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from studyapp.clock import Clock, SystemClock
from studyapp.paths import default_db_url

if TYPE_CHECKING:  # SQLAlchemy is imported when a command first needs the database
    from studyapp.storage.db import Database


@dataclass
class CliContext:
    db_url: str = field(default_factory=default_db_url)
    clock: Clock = field(default_factory=SystemClock)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    # False: synced_database skips the first-start sync (tests that want an empty collection)
    sync_shipped_content: bool = True
    _database: Database | None = field(default=None, repr=False)
    _synced: bool = field(default=False, repr=False)

    @property
    def plain_database(self) -> Database:
        """The database, migrated to head, without the first-start content sync."""
        if self._database is None:
            # deferred: kept out of the TUI's start-up (test_startup_imports)
            from studyapp.storage.db import open_database

            self._database = open_database(self.db_url)
            for path in self._database.backups_taken:
                print(f"studyapp: backed up the database before migrating it: {path}",
                      file=self.stderr)
        return self._database

    @property
    def synced_database(self) -> Database:
        """The database, migrated to head; shipped content is synced into a new one."""
        database = self.plain_database
        if self.sync_shipped_content and not self._synced:
            # deferred: kept out of the TUI's start-up (test_startup_imports)
            from studyapp.content.service import ensure_initial_content

            ensure_initial_content(database, self.clock)
            self._synced = True
        return database

    def unit_of_work(self):
        return self.synced_database.unit_of_work()

    def print(self, *parts: object) -> None:
        print(*parts, file=self.stdout)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
