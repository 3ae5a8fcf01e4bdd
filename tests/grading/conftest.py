"""Shared fixtures for the grader's tests: one warm worker per test module."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from studyapp.grading import GraderClient

SGD_OK = "def sgd_step(param, grad, lr):\n    return param - lr * grad\n"
# short limits keep the timeout/limit tests quick
TEST_LIMITS = {"wall_s": 2.0, "cpu_s": 2, "memory_mb": 384, "fsize_bytes": 1 << 20,
               "nproc": 48, "nofile": 64}


def has_cuda() -> bool:
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/nvidia0")


@pytest.fixture(scope="module")
def grader():
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    client.start()
    client.wait_ready_sync(180)
    yield client
    client.close()


def _ns_of(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def fork_server_pid(client: GraderClient) -> int | None:
    """The worker's fork server (its only direct child)."""
    worker = client.info.get("pid")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == worker:
            return int(name)
    return None


def sandbox_processes(client: GraderClient) -> list[int]:
    """Host pids of every process in the sandbox's pid namespace except the fork server."""
    zpid = fork_server_pid(client)
    if zpid is None:
        return []
    ns = _ns_of(zpid)
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != zpid and _ns_of(int(name)) == ns:
            out.append(int(name))
    return out


def settled_sandbox(client: GraderClient, timeout: float = 4.0) -> list[int]:
    """Wait until only the pre-forked standby child (if any) is left; return what is left."""
    deadline = time.monotonic() + timeout
    procs = sandbox_processes(client)
    while len(procs) > 1 and time.monotonic() < deadline:
        time.sleep(0.05)
        procs = sandbox_processes(client)
    return procs


def tree_snapshot(root: Path) -> dict[str, tuple[int, int, bytes]]:
    snap = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        data = p.read_bytes() if p.is_file() else b""
        snap[str(p.relative_to(root))] = (st.st_mode, st.st_size, data)
    return snap
