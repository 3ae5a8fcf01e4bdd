"""Storage: SQLAlchemy models, the engine and session factory, migrations. No UI, no torch."""

from studyapp.storage.db import Database, open_database, unit_of_work

__all__ = ["Database", "open_database", "unit_of_work"]
