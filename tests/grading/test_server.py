"""`studyapp grade` through this user's grading server: started on first use, reused warm,
robust to stale sockets, old versions, concurrent first use and crashes, gone when idle."""

from __future__ import annotations

import io
import os
import socket
import stat
import subprocess
import sys
import threading
import time

from sqlalchemy import select

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.grading import server
from studyapp.storage.db import open_database
from studyapp.storage.models import Submission

from .conftest import SGD_OK, server_pid, wait_gone

WRONG = "def sgd_step(param, grad, lr):\n    return param - grad\n"
SLOW_OK = ("import time\nslept = []\ndef sgd_step(param, grad, lr):\n"
           "    if not slept:\n        time.sleep(1.0)\n        slept.append(1)\n"
           "    return param - lr * grad\n")


def run_cli(args, db_url, clock):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=clock, stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def grade_file(tmp_path, db_url, clock, source: str, *extra: str, name: str = "sol.py"):
    path = tmp_path / name
    path.write_text(source)
    return run_cli(["grade", "sgd-step", str(path), *extra], db_url, clock)


def stored(db_url):
    db = open_database(db_url)
    try:
        with db.unit_of_work() as session:
            return [(r.status, r.created_at) for r in
                    session.scalars(select(Submission).order_by(Submission.id))]
    finally:
        db.dispose()


def servers_for(sock_path) -> list[int]:
    """Pids of the server processes started for ``sock_path``."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"studyapp.cli.grading_server" in args and str(sock_path).encode() in args:
            with open(f"/proc/{name}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                    pids.append(int(name))
    return pids


def test_first_use_starts_a_server_that_later_grades_reuse(runtime_dir, tmp_path,
                                                            file_db_url, clock):
    code, out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK)
    assert code == 0, err
    assert "sgd-step: PASSED" in out and "note:" not in err
    folder = runtime_dir / "studyapp"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    sock_path = server.socket_path()
    assert sock_path.parent == folder and stat.S_ISSOCK(sock_path.stat().st_mode)
    first = server_pid(sock_path)
    assert first is not None

    code, out, err = grade_file(tmp_path, file_db_url, clock, WRONG, "--json")
    assert code == 1 and '"status": "failed"' in out and "Diagnosis" not in err
    assert server_pid(sock_path) == first  # the same warm server answered
    # the server stored both, at the CLI's clock
    assert stored(file_db_url) == [("passed", clock.now()), ("failed", clock.now())]


def test_no_server_grades_in_process(runtime_dir, tmp_path, file_db_url, clock):
    code, out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK, "--no-server")
    assert code == 0, err
    assert not list(runtime_dir.glob("studyapp/grader-*.sock"))
    assert [s for s, _ in stored(file_db_url)] == ["passed"]


def test_a_usage_error_through_the_server_is_one_line_and_exit_2(tmp_path, file_db_url, clock):
    path = tmp_path / "sol.py"
    path.write_text(SGD_OK)
    code, out, err = run_cli(["grade", "no-such-exercise", str(path)], file_db_url, clock)
    assert code == 2 and out == ""
    assert err.startswith("studyapp: error: unknown exercise 'no-such-exercise'")
    assert len(err.strip().splitlines()) == 1
    assert stored(file_db_url) == []


def test_a_stale_socket_file_is_replaced(runtime_dir, tmp_path, file_db_url, clock):
    sock_path = server.socket_path()
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(sock_path))  # a socket file nobody listens on (its server died)
    dead.close()
    code, _out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK)
    assert code == 0 and "note:" not in err, err
    assert server_pid(sock_path) is not None


def test_a_server_of_another_version_steps_aside(runtime_dir, tmp_path, file_db_url, clock):
    sock_path = server.socket_path()
    env = dict(os.environ, PYTHONPATH=server._PKG_ROOT)
    old = subprocess.Popen([sys.executable, "-m", "studyapp.cli.grading_server", str(sock_path),
                            "0ld0ld0ld0ld"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while server.connect(sock_path) is None:
            assert time.monotonic() < deadline and old.poll() is None
            time.sleep(0.02)
        code, out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK)
        assert code == 0 and "PASSED" in out, err
        assert old.wait(timeout=30) == 0  # it left when a CLI of another version came
        assert server_pid(sock_path) not in (None, old.pid)
    finally:
        if old.poll() is None:
            old.kill()
            old.wait()


def test_two_clis_at_once_start_one_server(runtime_dir, tmp_path, file_db_url, clock):
    results = []

    def one(i):
        results.append(grade_file(tmp_path, file_db_url, clock, SGD_OK, name=f"s{i}.py"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert [r[0] for r in results] == [0, 0, 0], results
    assert not any("note:" in r[2] for r in results)
    assert len(servers_for(server.socket_path())) == 1
    assert [s for s, _ in stored(file_db_url)] == ["passed"] * 3


def test_a_server_that_dies_is_replaced(runtime_dir, tmp_path, file_db_url, clock):
    assert grade_file(tmp_path, file_db_url, clock, SGD_OK)[0] == 0
    sock_path = server.socket_path()
    first = server_pid(sock_path)
    os.kill(first, 9)
    assert wait_gone(first)
    code, _out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK)
    assert code == 0 and "note:" not in err, err
    assert server_pid(sock_path) not in (None, first)


def test_a_server_that_dies_mid_request_is_replaced_invisibly(runtime_dir, tmp_path,
                                                               file_db_url, clock):
    assert grade_file(tmp_path, file_db_url, clock, SGD_OK)[0] == 0
    sock_path = server.socket_path()
    first = server_pid(sock_path)
    result = []
    t = threading.Thread(target=lambda: result.append(
        grade_file(tmp_path, file_db_url, clock, SLOW_OK, name="slow.py")))
    t.start()
    time.sleep(0.5)  # the slow submission is being graded now
    os.kill(first, 9)
    t.join(300)
    code, out, err = result[0]
    assert code == 0 and "PASSED" in out and "Traceback" not in err, (out, err)
    # a new server answered, or (when it could not start in time on a loaded machine) the
    # CLI graded in its own process and said so in one line; never the dead one
    replacement = server_pid(sock_path)
    assert replacement != first
    assert replacement is not None or err.count("\n") == 1 and "note:" in err, err


def test_an_idle_server_exits_and_removes_its_socket(runtime_dir, tmp_path, file_db_url, clock,
                                                      monkeypatch):
    monkeypatch.setenv("STUDYAPP_GRADER_IDLE_S", "1")
    assert grade_file(tmp_path, file_db_url, clock, SGD_OK)[0] == 0
    sock_path = server.socket_path()
    pid = server_pid(sock_path)
    assert pid is not None
    assert wait_gone(pid, 30)
    assert not sock_path.exists()


def test_no_runtime_dir_falls_back_to_grading_in_process(runtime_dir, tmp_path, file_db_url,
                                                         clock):
    (runtime_dir / "studyapp").write_text("")  # a file where the folder goes: no server
    code, out, err = grade_file(tmp_path, file_db_url, clock, SGD_OK)
    assert code == 0 and "PASSED" in out
    assert "grading in this process" in err and "Traceback" not in err
