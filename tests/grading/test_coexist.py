"""Two graders on one machine, one of them in another pid namespace (as in a container),
each grading many submissions while the other starts, grades and stops: every verdict is
right.  Before ownership locks, a grader that could not see the other's pids deleted its
live jails and cgroups at start-up (issue 12)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from studyapp.grading import GraderClient
from studyapp.grading.client import _PKG_ROOT

from .conftest import SGD_OK, TEST_LIMITS

WRONG = "def sgd_step(param, grad, lr):\n    return param + lr * grad\n"
ROUNDS = 24
EXPECTED = ["passed" if i % 2 == 0 else "failed" for i in range(ROUNDS)]

GRADE_MANY = """
import json, sys
from studyapp.grading import GraderClient
ok, wrong, n, limits = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
statuses = []
with GraderClient(device="cpu", limits=limits) as grader:
    grader.wait_ready_sync(300)
    print("ready", flush=True)
    for i in range(n):
        statuses.append(grader.grade_sync("sgd-step", ok if i % 2 == 0 else wrong).status)
print(json.dumps(statuses), flush=True)
"""


def unshare_problem() -> str | None:
    tool = shutil.which("unshare")
    if tool is None:
        return "the unshare tool is not installed"
    try:
        run = subprocess.run([tool, "--pid", "--fork", "--mount-proc", "true"],
                             capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare could not run: {exc}"
    if run.returncode != 0:
        return ("`unshare --pid --fork --mount-proc` is not permitted here: "
                + run.stderr.decode(errors="replace").strip()[:200])
    return None


def grade_alternating(client: GraderClient, n: int) -> list[str]:
    return [client.grade_sync("sgd-step", SGD_OK if i % 2 == 0 else WRONG).status
            for i in range(n)]


def test_two_graders_in_different_pid_namespaces_both_always_succeed():
    problem = unshare_problem()
    if problem:
        pytest.skip(problem)
    first = GraderClient(device="cpu", limits=TEST_LIMITS)
    first.wait_ready_sync(300)
    env = dict(os.environ, PYTHONPATH=_PKG_ROOT)
    # The other grader starts (and cleans up what it thinks is stale) while this one runs.
    other = subprocess.Popen(
        [shutil.which("unshare"), "--pid", "--fork", "--mount-proc", sys.executable, "-c",
         GRADE_MANY, SGD_OK, WRONG, str(ROUNDS), json.dumps(TEST_LIMITS)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ours: list[str] = []
    try:
        assert other.stdout.readline().strip() == "ready", other.stderr.read()[-2000:]
        ours += grade_alternating(first, 8)
        first.close()
        # Two more graders start here (each cleaning up at start) while the other grades.
        for _ in range(2):
            with GraderClient(device="cpu", limits=TEST_LIMITS) as again:
                again.wait_ready_sync(300)
                ours += grade_alternating(again, 8)
        out, err = other.communicate(timeout=600)
    finally:
        first.close()
        if other.poll() is None:
            other.kill()
            other.wait()
    assert other.returncode == 0, err[-2000:]
    assert json.loads(out.strip().splitlines()[-1]) == EXPECTED
    assert ours == EXPECTED[:8] * 3
    assert "Traceback" not in err and "FileNotFoundError" not in err
