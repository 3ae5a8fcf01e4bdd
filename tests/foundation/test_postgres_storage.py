"""The storage layer on a real PostgreSQL server: clear error lines (two writers lose
no update: tests/foundation/test_reliability.py runs that on both engines)."""

import subprocess
import sys

from studyapp.storage.db import open_database

HOLD_LOCK = """
import sys, time
from sqlalchemy import text
from studyapp.storage.db import open_database
db = open_database(sys.argv[1])
with db.unit_of_work() as s:
    s.execute(text("select 1"))  # the session begins (and takes the advisory lock)
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "studyapp", *args], capture_output=True,
                          text=True, timeout=120)


def test_a_lock_held_past_the_timeout_is_one_clear_line(pg_url):
    open_database(pg_url).dispose()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, pg_url, "9"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = _cli("--db", pg_url, "decks")
        assert result.returncode == 2, result.stderr
        assert "stayed locked by another studyapp process" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_missing_database_and_unreachable_server_are_one_clear_line(postgres_cluster, tmp_path):
    missing = _cli("--db", postgres_cluster.url("no_such_db"), "decks")
    assert missing.returncode == 2
    assert "no such database on the server" in missing.stderr
    assert "Traceback" not in missing.stderr and len(missing.stderr.splitlines()) == 1
    down = _cli("--db", f"postgresql+psycopg://postgres@/x?host={tmp_path}", "decks")
    assert down.returncode == 2
    assert "cannot reach the database server" in down.stderr
    assert "Traceback" not in down.stderr and len(down.stderr.splitlines()) == 1
