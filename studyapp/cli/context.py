"""What every command handler gets: the database (opened on first use), the clock, streams."""

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
    _database: Database | None = field(default=None, repr=False)

    @property
    def database(self) -> Database:
        """The database, migrated to head; shipped content is synced into a new one."""
        if self._database is None:
            from studyapp.storage.db import open_database

            self._database = open_database(self.db_url)
            for path in self._database.backups_taken:
                print(f"studyapp: backed up the database before migrating it: {path}",
                      file=self.stderr)
            from studyapp.content.service import ensure_initial_content

            ensure_initial_content(self._database, self.clock)
        return self._database

    def unit_of_work(self):
        return self.database.unit_of_work()

    def print(self, *parts: object) -> None:
        print(*parts, file=self.stdout)

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
