"""What the screens study with: the database (opened on first use, off the event loop),
the clock, the preferences and the scheduler's ReviewService, in one typed object the
App builds from its dependencies and hands to each screen it makes.

Nothing heavy is imported here: SQLAlchemy, the migrations and the scheduler load the
first time a worker thread asks for them, after the first frame.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Union

from studyapp.clock import Clock
from studyapp.study.database import SerializedDatabase

if TYPE_CHECKING:
    from studyapp.scheduling.service import ReviewService
    from studyapp.storage.db import Database
    from studyapp.study.preferences import Preferences

# A Database (studyapp.storage.db), or a function that opens one: called in a worker
# thread after the first frame, so SQLAlchemy and the migrations never delay it.
DatabaseSource = Union["Database", SerializedDatabase, Callable[[], "Database"]]


class StudyService:
    """The study data behind the screens (one per app)."""

    def __init__(self, source: DatabaseSource, clock: Clock, *,
                 day_start_hour: int | None = None) -> None:
        self.clock = clock
        self.day_start_override = day_start_hour  # fixed (tests), else the preference
        self._source = source
        self._database: SerializedDatabase | None = None
        if isinstance(source, SerializedDatabase):
            self._database = source
        elif hasattr(source, "unit_of_work"):
            self._database = SerializedDatabase(source)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._reviews: ReviewService | None = None
        self._preferences: Preferences | None = None
        self._announced = False
        # slug -> title of every live deck, as the dashboard last loaded them
        self.deck_titles: dict[str, str] = {}

    @property
    def ready(self) -> bool:
        """The database is open (so the event loop may use it without waiting)."""
        return self._database is not None

    @property
    def database(self) -> SerializedDatabase:
        """The database; opened (migrated, first content synced) on first use. The
        dashboard's worker opens it first, so the event loop never waits for it."""
        if self._database is None:
            with self._lock:
                if self._database is None:
                    opener: Callable[[], Database] = self._source  # type: ignore[assignment]
                    self._database = SerializedDatabase(opener())
        return self._database

    def first_open(self) -> bool:
        """True exactly once: for the worker that opens the database and announces it."""
        with self._lock:
            first, self._announced = not self._announced, True
        return first

    @property
    def preferences(self) -> Preferences:
        if self._preferences is None:
            # deferred: pulls in SQLAlchemy; loaded in the dashboard's worker after the first frame
            from studyapp.study.preferences import load_preferences

            with self.database.unit_of_work() as session:
                self._preferences = load_preferences(session)
        return self._preferences

    @property
    def loaded_preferences(self) -> Preferences | None:
        """The preferences when they were loaded already (None: not read yet)."""
        return self._preferences

    def use_preferences(self, preferences: Preferences) -> None:
        """Preferences loaded or saved: what depends on the day start is rebuilt."""
        self._preferences = preferences
        self._reviews = None

    @property
    def day_start_hour(self) -> int:
        if self.day_start_override is not None:
            return self.day_start_override
        return self.preferences.day_start_hour

    @property
    def reviews(self) -> ReviewService:
        """The scheduler's ReviewService (imported on first use)."""
        if self._reviews is None:
            # deferred: pulls in SQLAlchemy; loaded in the dashboard's worker after the first frame
            from studyapp.scheduling.service import ReviewService

            # SerializedDatabase stands in for the Database it wraps (it forwards the rest)
            self._reviews = ReviewService(self.database, self.clock,  # type: ignore[arg-type]
                                          day_start_hour=self.day_start_hour)
        return self._reviews
