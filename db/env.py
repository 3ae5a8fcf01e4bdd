"""Alembic environment. The app passes its own connection (studyapp.storage.migrate);
the `alembic` command line uses the URL from alembic.ini or STUDYAPP_DB."""

from alembic import context

from studyapp.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection) -> None:
    # render_as_batch: SQLite cannot ALTER most things, so Alembic copies tables.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from studyapp.paths import default_db_url
    from studyapp.storage.db import create_db_engine

    url = config.get_main_option("sqlalchemy.url") or default_db_url()
    engine = create_db_engine(url)
    with engine.connect() as conn:
        _configure_and_run(conn)
    engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
