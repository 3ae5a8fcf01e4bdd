"""The schema revision this code is written for, known without loading Alembic.

Opening a database that is already at this revision skips Alembic altogether: importing it
(with Mako and Pygments, which it loads) and reading the migration scripts took about
0.2 s of every start of the app, on a database that needed nothing. A database at any
other revision, or with no schema yet, goes through `migrate.upgrade_to_head` as before.
`tests/foundation/test_migrations.py` checks that this constant is Alembic's head.
"""

from __future__ import annotations

from sqlalchemy import Engine, inspect, text

HEAD_REVISION = "0008"  # the newest file in db/versions; bump it with each new migration


def is_at_head(engine: Engine) -> bool:
    """Whether the database records exactly `HEAD_REVISION` (False when it has no schema)."""
    with engine.connect() as connection:
        # asked, not tried: a failed SELECT would also hide a lock or a lost connection
        if not inspect(connection).has_table("alembic_version"):
            return False
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return list(versions) == [HEAD_REVISION]
