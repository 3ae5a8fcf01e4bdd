"""Issue 14: the pre-import backup is taken only right before writing, a failed import
leaves no copy behind, and failed imports never push out the last good backups."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.storage.db import open_database
from studyapp.storage.safety_copy import KEEP_BACKUPS, backup_database_file, list_backups

from .conftest import dump


@pytest.fixture
def db_file(tmp_path, clock, content_root):
    """A file database holding the small content deck 'optim' (title Optimizers)."""
    path = tmp_path / "study.db"
    database = open_database(f"sqlite:///{path}")
    with database.unit_of_work() as session:
        sync_content(session, load_content([content_root]), clock.now())
    database.dispose()
    return path


def run(args, db_file, clock):
    clock.advance(minutes=1)  # every backup gets its own stamp
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", f"sqlite:///{db_file}", *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def _dump(db_file):
    database = open_database(f"sqlite:///{db_file}")
    try:
        return dump(database)
    finally:
        database.dispose()


@pytest.mark.parametrize(("name", "data", "extra", "message"), [
    ("bad.csv", b"front,back\nWhat is ReLU?,max(0, x)\n", ["--deck", "Mine"], "bad.csv:2:"),
    ("empty.csv", b"", ["--deck", "Mine"], "the file is empty"),
    ("nodeck.csv", b"a,b\n", [], "needs --deck NAME"),
    ("cards.txt", b"a,b\n", ["--deck", "Mine"], "unknown file type"),
    ("junk.apkg", b"junk", [], "not an Anki package"),
    ("missing.csv", None, ["--deck", "Mine"], "no such file"),
])
def test_an_import_that_fails_before_writing_takes_no_backup(db_file, clock, tmp_path, name, data, extra, message):
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    before = _dump(db_file)
    code, out, err = run(["import", str(path), *extra], db_file, clock)
    assert code == 2 and out == "" and message in err
    assert list_backups(db_file) == []
    assert _dump(db_file) == before


def test_a_failed_write_removes_its_copy_and_prunes_nothing(db_file, clock, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("front,back\nq1,a1\n", encoding="utf-8")
    for _ in range(KEEP_BACKUPS):
        assert run(["import", str(good), "--deck", "Mine"], db_file, clock)[0] == 0
    kept = list_backups(db_file)
    assert len(kept) == KEEP_BACKUPS
    before = _dump(db_file)
    for _ in range(3):  # fails while writing: 'optim' is a deck of the content files
        code, _, err = run(["import", str(good), "--deck", "Optim"], db_file, clock)
        assert code == 2 and "comes from the content files" in err
    assert list_backups(db_file) == kept
    assert _dump(db_file) == before


def test_imports_never_push_out_the_backups_made_before_a_migration(db_file, clock, tmp_path):
    database = open_database(f"sqlite:///{db_file}")
    migrations = [backup_database_file(database.engine, reason=f"pre-migrate-000{i}",
                                       now=clock.now() - timedelta(days=10 - i)) for i in (1, 2)]
    database.dispose()
    good = tmp_path / "good.csv"
    good.write_text("front,back\nq1,a1\n", encoding="utf-8")
    for _ in range(KEEP_BACKUPS + 3):
        assert run(["import", str(good), "--deck", "Mine"], db_file, clock)[0] == 0
    kept = list_backups(db_file)
    assert kept[:2] == migrations
    assert len(kept) == 2 + KEEP_BACKUPS and all("pre-import" in p.name for p in kept[2:])


def test_two_backups_in_one_moment_do_not_overwrite_each_other(db_file, clock):
    database = open_database(f"sqlite:///{db_file}")
    first = backup_database_file(database.engine, reason="pre-import", now=clock.now())
    second = backup_database_file(database.engine, reason="pre-import", now=clock.now())
    database.dispose()
    assert first != second and first.exists() and second.exists()
    assert list_backups(db_file) == [first, second]
