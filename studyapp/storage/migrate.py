"""Alembic, driven from code: the app upgrades a database to head when it opens it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from studyapp.paths import migrations_dir


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine, *, backup_first: bool = False,
                    backups: list[Path] | None = None) -> bool:
    """Upgrade to the newest revision; returns True when something was applied.

    With `backup_first`, a database that already has a schema is copied aside before its
    schema changes (the newest few copies are kept); the copy's path is appended to
    `backups` when given, so the caller can say where it went."""
    current = current_revision(engine)
    if current == head_revision():
        return False
    if backup_first and current is not None:
        # deferred: only a database whose schema is about to change is copied aside
        from studyapp.storage.safety_copy import backup_database_file

        path = backup_database_file(engine, reason=f"pre-migrate-{current}")
        if path is not None and backups is not None:
            backups.append(path)
    upgrade(engine, "head")
    return True


def upgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    _run(engine, command.downgrade, revision)


def _run(engine: Engine, action: Callable[[Config, str], None], revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        # the write-revision row may not exist on either side of a migration
        conn.info["no_write_revision"] = True
        try:
            config.attributes["connection"] = conn
            action(config, revision)
        finally:
            conn.info.pop("no_write_revision", None)
