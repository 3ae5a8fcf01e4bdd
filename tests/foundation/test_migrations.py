"""The schema comes from Alembic only; models and migrations must agree."""

import subprocess
import sys
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from studyapp.storage import migrate
from studyapp.storage.db import create_db_engine, open_database
from studyapp.storage.models import Base
from studyapp.storage.schema_head import HEAD_REVISION, is_at_head


def test_single_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1


def test_the_head_known_without_alembic_is_alembics_head():
    """`open_database` skips Alembic for a database at `HEAD_REVISION`: a new migration
    must bump it, or databases would not be upgraded."""
    assert HEAD_REVISION == migrate.head_revision()


def test_a_database_behind_head_is_still_upgraded(file_db_url):
    engine = create_db_engine(file_db_url)
    migrate.upgrade(engine, "0006")
    assert not is_at_head(engine)
    engine.dispose()
    db = open_database(file_db_url)
    assert is_at_head(db.engine) and migrate.current_revision(db.engine) == HEAD_REVISION
    db.dispose()


def test_opening_a_database_at_head_loads_no_alembic(file_db_url):
    open_database(file_db_url).dispose()  # create and migrate it
    code = (f"import sys; from studyapp.storage.db import open_database; open_database({file_db_url!r}).dispose();"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def _schema_differences(url: str) -> list:
    """What autogenerate would change to make `url`'s migrated schema match the models; an
    object the models create on one engine only (`ddl_if(dialect=...)`) counts on that one."""
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            dialect = conn.dialect.name

            def on_this_engine(obj, name, type_, reflected, compare_to) -> bool:
                condition = getattr(obj, "_ddl_if", None)
                return condition is None or condition.dialect in (None, dialect)

            context = MigrationContext.configure(conn, opts={
                "render_as_batch": True, "compare_type": True, "include_object": on_this_engine})
            return compare_metadata(context, Base.metadata)
    finally:
        db.dispose()


def test_models_and_migrations_agree(file_db_url):
    assert _schema_differences(file_db_url) == []


def test_models_and_migrations_agree_on_postgresql(pg_url):
    """Including the PostgreSQL-only covering index of the study queue (migration 0007)."""
    assert _schema_differences(pg_url) == []
    db = open_database(pg_url)
    try:
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("cards")}
    finally:
        db.dispose()
    assert "ix_cards_queue_cover" in names


def test_sqlite_has_no_postgresql_only_index(file_db_url):
    db = open_database(file_db_url)
    try:
        names = {ix["name"] for ix in inspect(db.engine).get_indexes("cards")}
    finally:
        db.dispose()
    assert "ix_cards_queue_cover" not in names and "ix_cards_deck_active" in names


def test_opening_a_database_upgrades_it_to_head(file_db_url):
    db = open_database(file_db_url)
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert {"decks", "cards", "card_states", "review_logs", "submissions", "settings"} <= set(
        inspect(db.engine).get_table_names()
    )
    assert migrate.upgrade_to_head(db.engine) is False  # idempotent
    db.dispose()


def _insert_sample_rows(conn) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.execute(text(
        "insert into decks (id, slug, title, description, topic, requires, position, source_path, retired,"
        " created_at, updated_at)"
        " values (1, 'd', 'D', '', '', '[]', 0, '', 0, :now, :now)"), {"now": now})
    conn.execute(text(
        "insert into cards (id, deck_id, content_id, note_id, kind, position, topic, front, back, extra, tags,"
        " suspended, retired, source_file, source_line, content_hash, created_at, updated_at)"
        " values (1, 1, 'c', 'c', 'basic', 0, '', 'Q', 'A', '{}', '', 0, 0, '', 0, '', :now, :now)"), {"now": now})
    conn.execute(text("insert into card_states (card_id, state, reps, lapses) values (1, 0, 0, 0)"))
    conn.execute(text(
        "insert into review_logs (card_id, rating, reviewed_at, duration_ms, source, prev_state, prev_reps,"
        " prev_lapses, state) values (1, 3, :now, 1000, 'manual', 0, 0, 0, 1)"), {"now": now})


def test_every_migration_upgrades_and_downgrades_with_data(tmp_path):
    """Walk the whole history: at each revision put data in, upgrade one step, data survives."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'walk.db'}")
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    migrate.upgrade(engine, revisions[0])
    with engine.begin() as conn:
        _insert_sample_rows(conn)
    for revision in revisions[1:]:
        migrate.upgrade(engine, revision)
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from review_logs")).scalar() == 1
    for revision in reversed(revisions[:-1]):
        migrate.downgrade(engine, revision)
        with engine.connect() as conn:
            assert conn.execute(text("select front from cards")).scalar() == "Q"
    migrate.downgrade(engine, "base")
    assert "cards" not in inspect(engine).get_table_names()
    migrate.upgrade(engine, "head")
    assert "cards" in inspect(engine).get_table_names()
    engine.dispose()


def test_migration_state_is_recorded(file_db_url):
    db = open_database(file_db_url)
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == migrate.head_revision()
    db.dispose()
