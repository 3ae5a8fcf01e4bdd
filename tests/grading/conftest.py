"""Shared fixtures for the grader's tests: one warm worker per test module."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

import pytest

from studyapp.grading import GraderClient

SGD_OK = "def sgd_step(param, grad, lr):\n    return param - lr * grad\n"
# short limits keep the timeout/limit tests quick
TEST_LIMITS = {"wall_s": 2.0, "cpu_s": 2, "memory_mb": 384, "fsize_bytes": 1 << 20,
               "nproc": 48, "nofile": 64}


def has_cuda() -> bool:
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/nvidia0")


@contextlib.contextmanager
def private_runtime_dir():
    """A private runtime directory (short: socket paths are limited to 107 bytes); every
    grading server started there is stopped afterwards."""
    path = Path(tempfile.mkdtemp(prefix="sa-run-", dir="/tmp"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_RUNTIME_DIR", str(path))
        # platformdirs ignores an XDG_RUNTIME_DIR it finds unsafe: make sure it is used
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import platformdirs

            assert platformdirs.user_runtime_dir("studyapp").startswith(str(path))
        try:
            yield path
        finally:
            stop_servers(path)
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module", autouse=True)
def module_runtime_dir():
    """One runtime directory per test module: `studyapp grade` in these tests starts a
    grading server there (shared by the module's tests), never in the user's own."""
    with private_runtime_dir() as path:
        yield path


@pytest.fixture
def runtime_dir():
    """A runtime directory of this test's own (no server running there yet)."""
    with private_runtime_dir() as path:
        yield path


def server_pid(sock_path: Path) -> int | None:
    """The pid of the server answering at ``sock_path`` (None when none answers)."""
    from studyapp.grading import protocol, server

    try:
        sock = server.connect(sock_path)
    except server.ServerUnavailable:
        return None
    if sock is None:
        return None
    version = sock_path.name.removeprefix("grader-").removesuffix(".sock")
    with sock:
        try:
            sock.sendall(protocol.encode({"op": "ping", "version": version}))
            reply, _ = protocol.read_frame(sock.fileno(), deadline=time.monotonic() + 10)
        except (OSError, EOFError, TimeoutError):
            return None
    return reply.get("pid")


def process_gone(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it when this process started it
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return True


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not process_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop_servers(root: Path) -> None:
    from studyapp.grading import protocol, server

    for sock_path in sorted(root.glob("studyapp/grader-*.sock")):
        pid = server_pid(sock_path)
        if pid is None:
            continue
        version = sock_path.name.removeprefix("grader-").removesuffix(".sock")
        with contextlib.suppress(OSError, server.ServerUnavailable, EOFError):
            sock = server.connect(sock_path)
            if sock is not None:
                with sock:
                    sock.sendall(protocol.encode({"op": "shutdown", "version": version}))
                    protocol.read_frame(sock.fileno(), deadline=time.monotonic() + 10)
        if not wait_gone(pid):
            os.kill(pid, 9)  # a server this test started


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
