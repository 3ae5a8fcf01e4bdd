"""A per-user grading server, so `studyapp grade` answers at warm speed.

``studyapp grade`` is a short-lived process; starting a grading worker (torch) costs
seconds.  The first `studyapp grade` of a user therefore starts this server, which keeps
warm ``GraderClient``\\ s (one per device and content roots) and stores each submission in
the database the CLI names; every later `studyapp grade` is one request on a Unix socket.
The server is only the trusted worker's client: verdicts are still computed in the worker.

- The socket lives in the user's runtime directory (platformdirs ``user_runtime_dir``,
  mode 0700), named by a hash of the grading code (``code_version``): a CLI never talks to
  a server of another version, and each request carries the version too, so a server that
  answers to a name it does not own steps aside (removes its socket and exits).
- First use is serialized by an ``flock`` on ``grader.lock`` in that directory: two CLIs
  starting at once start one server.  A socket file nobody accepts on is stale (the server
  died) and is replaced under the same lock.
- The server exits after ``IDLE_S`` without a request (``STUDYAPP_GRADER_IDLE_S``).
- A server that dies mid-request is started again once; when that fails too the CLI grades
  in its own process (``ServerUnavailable``).

Frames are ``protocol`` frames.  Requests: ``{"op": "grade", "version", "db", "exercise",
"code", "read_error", "variant_seed", "filename", "device", "now"}``, ``{"op": "ping", "version"}``,
``{"op": "shutdown", "version"}``.  Replies: ``{"op": "verdict", "verdict"}``,
``{"op": "pong", "pid"}``, ``{"op": "bye"}`` or ``{"op": "error", "kind", "message"}`` with
kind ``usage`` (the learner's mistake), ``grader`` (the grader failed), ``version`` or
``internal``.  This module imports neither torch nor textual, and its client side imports
nothing heavy (the CLI's warm path). The process itself is cli/grading_server.py, which
gives the server its databases (a ``Workspace`` per URL): grading never imports storage.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
import subprocess
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from studyapp.errors import UserError

from . import protocol
from .contract import JsonObject, JsonValue

if TYPE_CHECKING:
    from .client import GraderClient
    from .verdict import Verdict

IDLE_S = 600.0
START_TIMEOUT_S = 30.0
PROTOCOL_VERSION = 1
_HERE = Path(__file__).resolve().parent
_PKG_ROOT = str(_HERE.parents[1])
# What a server runs: a change to any of these makes a new version (a new socket name).
_VERSIONED = ("grading/*.py", "storage/*.py", "cli/grade.py", "cli/grading_server.py",
              "content/service.py")
# The server process: the CLI layer composes it with the learner's database (the grader
# itself never imports storage), so it is started by that module's name.
SERVER_MODULE = "studyapp.cli.grading_server"


@dataclass(frozen=True)
class GradeRequest:
    """A CLI's ``grade`` request, decoded once (a missing required field is a KeyError,
    answered as an internal error)."""

    db: str
    exercise: str
    code: str
    read_error: str | None = None  # the CLI could not read the submission's file
    device: str = "cpu"
    variant_seed: int | None = None
    filename: str | None = None
    now: datetime | None = None  # the CLI's clock (UTC), for the stored submission

    @classmethod
    def from_json(cls, msg: Mapping[str, JsonValue]) -> GradeRequest:
        now, seed, filename = msg.get("now"), msg.get("variant_seed"), msg.get("filename")
        return cls(db=str(msg["db"]), exercise=str(msg["exercise"]), code=str(msg["code"]),
                   read_error=str(msg["read_error"]) if msg.get("read_error") else None,
                   device=str(msg.get("device", "cpu")),
                   variant_seed=seed if isinstance(seed, int) else None,
                   filename=filename if isinstance(filename, str) else None,
                   now=datetime.fromisoformat(now) if isinstance(now, str) and now else None)


class ServerUnavailable(Exception):
    """No grading server could be reached or started (the CLI then grades in-process)."""


class ServerReplyError(Exception):
    """The server answered with an error of ``kind`` (``usage``, ``grader``)."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


# -- where ---------------------------------------------------------------------------------------


def runtime_dir() -> Path:
    """This user's runtime folder for studyapp (created with mode 0700)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        # deferred: platformdirs stays out of start-up (test_startup_imports)
        import platformdirs

        path = Path(platformdirs.user_runtime_dir("studyapp"))
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.stat()
        if st.st_uid != os.geteuid():
            raise ServerUnavailable(f"{path} belongs to another user")
        if st.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise ServerUnavailable(f"{path}: {exc.strerror or exc}") from None
    return path


def code_version() -> str:
    """A short hash of the code a server runs, with the interpreter it runs on."""
    digest = hashlib.sha256(f"{PROTOCOL_VERSION}|{sys.executable}|{_PKG_ROOT}".encode())
    base = _HERE.parent
    for pattern in _VERSIONED:
        for path in sorted(base.glob(pattern)):
            digest.update(path.name.encode())
            with contextlib.suppress(OSError):
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def socket_path(version: str | None = None) -> Path:
    return runtime_dir() / f"grader-{version or code_version()}.sock"


# -- client side (the CLI) -------------------------------------------------------------------


def request(msg: Mapping[str, JsonValue], *, timeout: float = 300.0) -> JsonObject:
    """Send ``msg`` to this user's server, starting one when none answers; its reply.

    Raises ``ServerReplyError`` for an error reply, ``ServerUnavailable`` when no server
    could answer (after one restart)."""
    version = code_version()
    path = socket_path(version)
    msg = dict(msg, version=version)
    last: Exception | None = None
    for _attempt in range(2):
        sock = connect(path) or _start(path, version)
        try:
            reply = _roundtrip(sock, msg, timeout)
        except (OSError, EOFError, TimeoutError, protocol.ProtocolError, ValueError) as exc:
            last = exc  # the server died mid-request: the next attempt starts a new one
            continue
        finally:
            sock.close()
        if reply.get("op") != "error":
            return reply
        if reply.get("kind") == "version":
            last = ServerUnavailable("a grading server of another version answered")
            continue  # it has stepped aside; the next attempt starts ours
        raise ServerReplyError(str(reply.get("kind")), str(reply.get("message", "")))
    raise ServerUnavailable(f"the grading server failed: {last}")


def connect(path: Path) -> socket.socket | None:
    """A connection to the server at ``path``, or None when nobody accepts there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError):
        sock.close()
        return None
    except OSError as exc:
        sock.close()
        raise ServerUnavailable(f"{path}: {exc.strerror or exc}") from None
    return sock


def _roundtrip(sock: socket.socket, msg: JsonObject, timeout: float) -> JsonObject:
    sock.sendall(protocol.encode(msg))
    reply, _ = protocol.read_frame(sock.fileno(), deadline=time.monotonic() + timeout)
    return reply


def _start(path: Path, version: str) -> socket.socket:
    """Start the server (one per user at a time: under the lock) and connect to it."""
    folder = path.parent
    lock_fd = os.open(folder / "grader.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        _lock(lock_fd, time.monotonic() + START_TIMEOUT_S)
        sock = connect(path)  # another CLI started it while this one waited
        if sock is not None:
            return sock
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # stale: its server is gone (nobody accepted on it)
        env = dict(os.environ)
        env["PYTHONPATH"] = _PKG_ROOT + (os.pathsep + env["PYTHONPATH"]
                                         if env.get("PYTHONPATH") else "")
        with open(folder / "grader-server.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, str(path), version],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
                close_fds=True, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            sock = connect(path)
            if sock is not None:
                return sock
            if proc.poll() is not None:
                raise ServerUnavailable(f"the grading server exited at start (code "
                                        f"{proc.returncode}; see {folder}/grader-server.log)")
            if time.monotonic() > deadline:
                proc.kill()
                raise ServerUnavailable("the grading server did not start in time")
            time.sleep(0.01)
    finally:
        os.close(lock_fd)  # releases the lock


def _lock(fd: int, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise ServerUnavailable("another studyapp kept the grading server's lock "
                                        "too long") from None
            time.sleep(0.02)


# -- server side ---------------------------------------------------------------------------------


class Workspace(Protocol):
    """One learner database as the server sees it: where its exercises are, and where a
    graded submission is stored. The CLI layer supplies it (cli/grading_server.py), so the
    grader itself never imports storage."""

    @property
    def roots(self) -> list[Path]: ...

    def store(self, exercise_id: str, code: str, verdict: Verdict,
              now: datetime | None) -> None: ...

    def close(self) -> None: ...


class GradingServer:
    """Serves ``grade`` requests with warm clients; ``open_workspace(db_url)`` opens the
    database a request names (once per URL, kept while the server lives)."""

    def __init__(self, path: Path, version: str, open_workspace: Callable[[str], Workspace],
                 idle_s: float = IDLE_S):
        import threading  # server side only: the CLI's warm path does not pay for it

        self._threading = threading
        self.path = path
        self.version = version
        self.idle_s = idle_s
        self.lock = threading.Lock()
        self.active = 0
        self.last = time.monotonic()
        self.stop = threading.Event()
        self.clients: dict[tuple[str, tuple[str, ...]], GraderClient] = {}
        self.open_workspace = open_workspace
        self.workspaces: dict[str, Workspace] = {}
        self.inode: int | None = None

    def serve(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old)
        self.inode = os.stat(self.path).st_ino
        listener.listen(32)
        listener.settimeout(0.5)
        try:
            while not self.stop.is_set():
                try:
                    conn, _ = listener.accept()
                except TimeoutError:
                    with self.lock:
                        idle = self.active == 0 and time.monotonic() - self.last > self.idle_s
                    if idle:
                        break
                    continue
                with self.lock:
                    self.active += 1
                self._threading.Thread(target=self._handle, args=(conn,), daemon=True).start()
        finally:
            self._remove_socket()
            listener.close()
            self._close_clients()

    def _remove_socket(self) -> None:
        """Remove the socket file if it is still this server's (not a successor's)."""
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_ino == self.inode:
                os.unlink(self.path)

    def _close_clients(self) -> None:
        with self.lock:
            clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()
        for workspace in self.workspaces.values():
            with contextlib.suppress(Exception):
                workspace.close()

    def _handle(self, conn: socket.socket) -> None:
        try:
            with conn:
                msg, _ = protocol.read_frame(conn.fileno(), deadline=time.monotonic() + 30)
                reply = self._answer(msg)
                with contextlib.suppress(OSError):
                    conn.sendall(protocol.encode(reply))
        except (OSError, EOFError, TimeoutError, protocol.ProtocolError, ValueError):
            pass
        finally:
            with self.lock:
                self.active -= 1
                self.last = time.monotonic()

    def _answer(self, msg: JsonObject) -> JsonObject:
        if msg.get("version") != self.version:
            # A CLI of another version found this server at its name: step aside.
            self._remove_socket()
            self.stop.set()
            return {"op": "error", "kind": "version", "message": f"server is {self.version}"}
        op = msg.get("op")
        if op == "ping":
            return {"op": "pong", "pid": os.getpid(), "version": self.version}
        if op == "shutdown":
            self._remove_socket()
            self.stop.set()
            return {"op": "bye"}
        if op != "grade":
            return {"op": "error", "kind": "usage", "message": f"unknown op {op!r}"}
        try:
            return self._grade(msg)
        except Exception as exc:  # noqa: BLE001 - every failure is an answer, never a crash
            return self._error_reply(exc)

    def _error_reply(self, exc: Exception) -> JsonObject:
        # deferred: `studyapp grade`'s warm path loads only server and verdict
        from .client import GraderError
        from .exercises import GradingError

        if isinstance(exc, (UserError, GradingError)):
            return {"op": "error", "kind": "usage", "message": str(exc)}
        if isinstance(exc, GraderError):
            return {"op": "error", "kind": "grader", "message": str(exc)}
        sys.stderr.write(traceback.format_exc())
        return {"op": "error", "kind": "internal", "message": f"{type(exc).__name__}: {exc}"}

    def _grade(self, msg: JsonObject) -> JsonObject:
        # deferred: `studyapp grade`'s warm path loads only server and verdict
        from .exercises import load_exercise

        request = GradeRequest.from_json(msg)
        workspace = self._workspace(request.db)
        meta = load_exercise(request.exercise, workspace.roots)
        if request.read_error:  # the CLI could not read the file: a usage error too
            raise UserError(request.read_error)
        client = self._client(request.device, workspace.roots)
        verdict = client.grade_sync(meta.id, request.code, variant_seed=request.variant_seed,
                                    filename=request.filename)
        workspace.store(meta.id, request.code, verdict, request.now)
        return {"op": "verdict", "verdict": verdict.to_json()}

    def _workspace(self, db_url: str) -> Workspace:
        with self.lock:  # opened (and migrated) once, not in two threads
            workspace = self.workspaces.get(db_url)
            if workspace is None:
                workspace = self.workspaces[db_url] = self.open_workspace(db_url)
        return workspace

    def _client(self, device: str, roots: list[Path]) -> GraderClient:
        # deferred: `studyapp grade`'s warm path loads only server and verdict
        from .client import GraderClient

        key = (device, tuple(str(r) for r in roots))
        with self.lock:
            client = self.clients.get(key)
            if client is None:
                client = self.clients[key] = GraderClient(device=device, roots=roots)
                client.start()
        return client
