"""The unprivileged fallback (forced here with sandbox={"userns": True}): the worker runs
in a user namespace, no uid can be dropped, and the other layers still hold."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from studyapp.grading import GraderClient, load_exercise

from .conftest import SGD_OK, TEST_LIMITS, settled_sandbox


@pytest.fixture(scope="module")
def userns_grader():
    client = GraderClient(device="cpu", limits=TEST_LIMITS, sandbox={"userns": True})
    client.start()
    client.wait_ready_sync(180)
    yield client
    client.close()


def test_layers_without_a_uid_drop(userns_grader):
    layers = set(userns_grader.info["layers"])
    assert "user-namespace" in layers
    assert not any(layer.startswith("uid-") for layer in layers)
    assert {"pid-namespace", "net-namespace", "seccomp"} <= layers


def test_grades_and_contains_a_hostile_submission(userns_grader):
    assert userns_grader.grade_sync("sgd-step", SGD_OK).status == "passed"
    outside = Path(tempfile.mkdtemp(prefix="studyapp-outside-", dir="/tmp"))
    try:
        os.chmod(outside, 0o777)
        (outside / "keep.txt").write_text("keep")
        checks = load_exercise("sgd-step").checks_path
        code = ("import os, signal, shutil\nout = []\n"
                f"shutil.rmtree({str(outside)!r}, ignore_errors=True)\n"
                f"try:\n    out.append(open({str(checks)!r}).read())\nexcept OSError:\n    pass\n"
                "for pid in (1, os.getppid()):\n"
                "    try:\n        os.kill(pid, signal.SIGKILL)\n        out.append('KILLED')\n"
                "    except OSError:\n        pass\n"
                "if os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(100)\n"
                "print('LEAK' if out else 'contained')\n" + SGD_OK)
        v = userns_grader.grade_sync("sgd-step", code)
        assert v.status == "passed", v.to_json()
        assert "contained" in v.stdout
        assert (outside / "keep.txt").read_text() == "keep"
        assert userns_grader.grade_sync("sgd-step", SGD_OK).status == "passed"
        assert len(settled_sandbox(userns_grader)) <= 1
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_memory_and_time_limits_still_apply(userns_grader):
    assert userns_grader.grade_sync("sgd-step", "x = bytearray(8 << 30)\n").status == "memory_limit"
    assert userns_grader.grade_sync("sgd-step", "while True:\n    pass\n").status == "timeout"
