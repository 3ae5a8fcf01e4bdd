"""Backups before migrations, and two processes on one database."""

import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from studyapp.storage import migrate
from studyapp.storage.db import create_db_engine, open_database
from studyapp.storage.models import Setting
from studyapp.storage.safety_copy import backup_database_file, list_backups
from studyapp.storage.settings import get_setting, set_setting


def test_backups_keep_the_newest_five(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'b.db'}")
    with db.unit_of_work() as s:
        set_setting(s, "marker", 1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(7):
        backup_database_file(db.engine, reason="import", now=start + timedelta(minutes=i))
    kept = list_backups(tmp_path / "b.db")
    assert len(kept) == 5
    assert "20260101T000200" in kept[0].name  # the two oldest were pruned
    copy = open_database(f"sqlite:///{kept[-1]}")
    with copy.unit_of_work() as s:
        assert get_setting(s, "marker") == 1
    db.dispose()
    copy.dispose()


def test_migrating_a_database_with_data_backs_it_up_first(tmp_path):
    path = tmp_path / "old.db"
    engine = create_db_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("insert into settings (key, value) values ('k', '\"v\"')"))
    engine.dispose()
    head = migrate.head_revision()
    db = open_database(f"sqlite:///{path}")
    backups = list_backups(path)
    if head == "0001":
        assert backups == []  # nothing to migrate, nothing to back up
    else:
        assert len(backups) == 1 and "pre-migrate-0001" in backups[0].name
    assert migrate.current_revision(db.engine) == head
    db.dispose()


def test_a_new_database_is_not_backed_up(tmp_path):
    open_database(f"sqlite:///{tmp_path / 'new.db'}").dispose()
    assert list_backups(tmp_path / "new.db") == []


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_writer_waits_for_another_and_no_update_is_lost(engine, file_db_url, request):
    """Two connections increment one counter 100 times each, concurrently (PostgreSQL
    reached 107 of 200 before its write transactions took turns)."""
    url = file_db_url if engine == "sqlite" else request.getfixturevalue("pg_url")
    first, second = open_database(url), open_database(url)
    with first.unit_of_work() as s:
        set_setting(s, "counter", 0)

    def bump(db):
        for _ in range(100):
            with db.unit_of_work() as s:
                value = get_setting(s, "counter")
                time.sleep(0.0005)  # widen the read-modify-write window
                set_setting(s, "counter", value + 1)

    threads = [threading.Thread(target=bump, args=(db,)) for db in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with first.unit_of_work() as s:
        assert get_setting(s, "counter") == 200
    first.dispose()
    second.dispose()


HOLD_LOCK = """
import sys, time
from sqlalchemy import text
from studyapp.storage.db import open_database
db = open_database(sys.argv[1])
with db.unit_of_work() as s:
    s.execute(text("select 1"))  # the session begins (BEGIN IMMEDIATE) on first use
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_lock_that_outlasts_the_busy_timeout_gives_a_clear_message(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    open_database(url).dispose()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, url, "8"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = subprocess.run([sys.executable, "-m", "studyapp", "--db", url, "sync"],
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert "stayed locked by another studyapp process" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
    engine = create_db_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(Setting)).all() == []
    engine.dispose()


def test_every_import_backs_the_database_up_first(tmp_path, clock):
    import io

    from studyapp.cli.context import CliContext
    from studyapp.cli.main import main

    db_file = tmp_path / "imp.db"
    csv = tmp_path / "cards.csv"
    csv.write_text("front,back\nWhat is eps for?,Numerical stability\n", encoding="utf-8")
    for _ in range(2):
        clock.advance(minutes=1)
        ctx = CliContext(clock=clock, stdout=io.StringIO(), stderr=io.StringIO())
        assert main(["--db", f"sqlite:///{db_file}", "import", str(csv), "--deck", "Mine"], ctx) == 0
    backups = list_backups(db_file)
    assert len(backups) == 2 and all("pre-import" in b.name for b in backups)
