"""Client side of the grader: starts the worker process and talks to it.  No torch here.

Async use (the TUI)::

    client = GraderClient(device="cpu", roots=[...])
    client.start()                 # returns at once; the worker warms up in the background
    ...                            # client.warming is True until it is ready
    verdict = await client.grade("adam-step", code)   # never blocks the event loop
    await client.aclose()

Cancelling the ``grade`` task kills the sandboxed child at once (the worker survives).
Synchronous use (the CLI)::

    with GraderClient(device="cpu") as g:
        verdict = g.grade_sync("adam-step", code)

or the one-shot ``grade_code(exercise_id, code)``.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import dataclasses
import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import protocol
from .contract import JsonObject, JsonValue, Op, Reply, WorkerConfig
from .exercises import GradingError, UnknownExercise, load_exercise
from .verdict import Verdict

_PKG_ROOT = str(Path(__file__).resolve().parents[2])


# At most this many automatic restarts within RESTART_WINDOW_S; past that a dead worker
# stays dead (the banner says so) until the next request starts one.
RESTART_BURST = 5
RESTART_WINDOW_S = 60.0


Future = concurrent.futures.Future[JsonObject]  # a request's reply, once it comes


def _config_json(config: WorkerConfig) -> dict[str, object]:
    """The worker's command-line argument (``WorkerConfig.from_json`` reads it back)."""
    sandbox = {k: v for k, v in dataclasses.asdict(config.sandbox).items()
               if v is not None}
    return {"roots": list(config.roots) if config.roots else None, "device": config.device,
            "limits": config.limits.to_json(), "sandbox": sandbox}


class GraderError(Exception):
    """The grading worker failed (could not start, died, or did not answer)."""


class GraderClient:
    """A handle on one long-lived grading worker.

    - ``device``: ``"cpu"``, ``"cuda"`` or ``"auto"`` (CUDA when the worker finds one).
    - ``roots``: content roots searched for ``exercises/<id>``; default: shipped content.
    - ``limits``: overrides of ``contract.DEFAULT_LIMITS`` (``wall_s``, ``cpu_s``,
      ``memory_mb``, ``fsize_bytes``, ``nproc``, ``nofile``).
    - ``sandbox``: overrides for the sandbox layers (``uid``, ``landlock``, ``seccomp``,
      ``namespaces``, ``memory_mode``); the defaults turn on everything available.
    """

    def __init__(self, device: str = "cpu", roots: Sequence[Path | str] | None = None, *,
                 limits: Mapping[str, JsonValue] | None = None,
                 sandbox: Mapping[str, JsonValue] | None = None,
                 python: str | None = None, start_timeout: float = 120.0):
        if device not in ("cpu", "cuda", "auto"):
            raise GradingError(f"unknown device {device!r} (use cpu, cuda or auto)")
        self.device_requested = device
        self.roots = [Path(r) for r in roots] if roots else None
        self.limits: JsonObject = dict(limits or {})
        self.sandbox: JsonObject = dict(sandbox or {})
        self.python = python or sys.executable
        self.start_timeout = start_timeout
        self.ready = threading.Event()
        self.info: JsonObject = {}  # the worker's ready message
        self._proc: subprocess.Popen[bytes] | None = None
        self._pending: dict[int, Future] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._outq: queue.Queue[bytes | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._dead: str | None = None
        self._was_ready = False
        self._started_at = 0.0
        self.start_seconds: float | None = None
        self.last_timing: dict[str, float] = {}  # where the worker spent the last grade
        # Requests by id, kept until answered: a worker that dies after it was ready is
        # restarted and each unanswered request is sent once more (``_recover``).
        self._inflight: dict[int, JsonObject] = {}
        self._retried: set[int] = set()
        self._restarts: collections.deque[float] = collections.deque(maxlen=RESTART_BURST)
        self.restarts = 0  # how many times a dead worker was replaced

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker in the background; returns immediately.  Idempotent."""
        with self._lock:
            if self._proc is not None and self._proc.poll() is None and not self._dead:
                return
            self.ready.clear()
            self._dead = None
            self._was_ready = False
            self.info = {}
            config = WorkerConfig.from_json({
                "roots": [str(r) for r in self.roots] if self.roots else None,
                "device": self.device_requested, "limits": self.limits,
                "sandbox": self.sandbox})
            env = dict(os.environ)
            env["PYTHONPATH"] = _PKG_ROOT + (os.pathsep + env["PYTHONPATH"]
                                             if env.get("PYTHONPATH") else "")
            env.setdefault("OMP_NUM_THREADS", "1")
            env.setdefault("MKL_NUM_THREADS", "1")
            self._started_at = time.monotonic()
            self._proc = subprocess.Popen(
                [self.python, "-m", "studyapp.grading.worker", json.dumps(_config_json(config))],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=env, close_fds=True, start_new_session=True, bufsize=0)
            proc = self._proc
            self._outq = queue.Queue()
        threading.Thread(target=self._reader, args=(proc,), daemon=True,
                         name="grader-reader").start()
        threading.Thread(target=self._writer, args=(proc, self._outq), daemon=True,
                         name="grader-writer").start()
        threading.Thread(target=self._stderr_reader, args=(proc,), daemon=True,
                         name="grader-stderr").start()

    @property
    def warming(self) -> bool:
        """True while the worker is starting (started, not ready yet)."""
        return self._proc is not None and not self.ready.is_set() and self._dead is None

    @property
    def error(self) -> str | None:
        """Why the worker failed to start (None while it is starting or running).  A worker
        that dies after it was ready is restarted by the next request instead."""
        return self._dead if self._dead and not self._was_ready else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._dead is None

    @property
    def device(self) -> str | None:
        """The device the worker grades on, once ready (``auto`` resolved)."""
        device = self.info.get("device")
        return device if isinstance(device, str) else None

    def wait_ready_sync(self, timeout: float | None = None) -> None:
        self.start()
        if not self.ready.wait(self.start_timeout if timeout is None else timeout):
            raise GraderError(self._why("the grading worker did not start in time"))
        if self._dead:
            raise GraderError(self._dead)

    async def wait_ready(self, timeout: float | None = None) -> None:
        self.start()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.wait_ready_sync, timeout)

    def close(self) -> None:
        """Stop the worker (and with it every sandboxed process)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        # A worker still warming up is importing torch and would read QUIT only after it:
        # quitting the app then took over 2 s. It holds no work yet, so it is killed at once.
        if self.ready.is_set():
            try:
                self._outq.put(protocol.encode({"op": Op.QUIT.value}))
                self._outq.put(None)
                proc.wait(timeout=2)
            except (subprocess.TimeoutExpired, OSError):
                pass
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                proc.kill()
            proc.wait()
        self._fail_all("the grading worker was closed")

    async def aclose(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close)

    def __enter__(self) -> GraderClient:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------------------
    def _request(self, obj: JsonObject) -> tuple[int, Future]:
        if self._proc is None or not self.alive:
            self.start()
        rid = next(self._ids)
        fut: Future = Future()
        obj = dict(obj, id=rid)
        with self._lock:
            self._pending[rid] = fut
            self._inflight[rid] = obj
        self._outq.put(protocol.encode(obj))
        return rid, fut

    def _cancel(self, rid: int) -> None:
        with self._lock:
            self._pending.pop(rid, None)
            self._inflight.pop(rid, None)
        self._outq.put(protocol.encode({"op": Op.CANCEL.value, "id": rid}))

    def _grade_msg(self, exercise_id: str, code: str, variant_seed: int | None,
                   filename: str | None) -> JsonObject:
        load_exercise(exercise_id, self.roots)  # fail fast on an unknown id, no round trip
        if not isinstance(code, str):
            raise GradingError("code must be a string")
        return {"op": Op.GRADE.value, "exercise": exercise_id, "code": code,
                "variant_seed": variant_seed, "filename": filename}

    def _timeout(self) -> float:
        wall_s = self.limits.get("wall_s", 10.0)
        wall = float(wall_s) if isinstance(wall_s, (int, float, str)) else 10.0
        return wall + 120.0 + (0 if self.ready.is_set() else self.start_timeout)

    def _unpack(self, reply: JsonObject) -> object:
        op = reply.get("op")
        timing = reply.get("timing")
        if isinstance(timing, dict):
            self.last_timing = {k: v for k, v in timing.items()
                                if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if op == Reply.VERDICT:
            return Verdict.from_json(reply["verdict"])
        if op == Reply.DESCRIBED:
            return reply["variant"]
        if op in (Reply.WARMED, Reply.PONG):
            return None
        if op == Reply.ERROR:
            if reply.get("kind") == "usage":
                msg = str(reply.get("message"))
                if msg.startswith("unknown exercise"):
                    raise UnknownExercise(msg)
                raise GradingError(msg)
            raise GraderError(f"the grader failed: {reply.get('message')}")
        raise GraderError(f"unexpected reply {op!r}")

    async def grade(self, exercise_id: str, code: str, *, variant_seed: int | None = None,
                    filename: str | None = None) -> Verdict:
        """Grade ``code``; never blocks the event loop.  Cancelling kills the child."""
        rid, fut = self._request(self._grade_msg(exercise_id, code, variant_seed, filename))
        try:
            reply = await asyncio.wait_for(asyncio.wrap_future(fut), self._timeout())
        except asyncio.CancelledError:
            self._cancel(rid)
            raise
        except TimeoutError:
            self._cancel(rid)
            raise GraderError("the grading worker did not answer in time") from None
        return self._verdict(reply)

    def _verdict(self, reply: JsonObject) -> Verdict:
        verdict = self._unpack(reply)
        if not isinstance(verdict, Verdict):
            raise GraderError(f"unexpected reply {reply.get('op')!r}")
        return verdict

    def _variant(self, reply: JsonObject) -> JsonObject:
        variant = self._unpack(reply)
        if not isinstance(variant, dict):
            raise GraderError(f"unexpected reply {reply.get('op')!r}")
        return variant

    def grade_sync(self, exercise_id: str, code: str, *, variant_seed: int | None = None,
                   filename: str | None = None) -> Verdict:
        """Blocking version of ``grade`` (for the CLI)."""
        rid, fut = self._request(self._grade_msg(exercise_id, code, variant_seed, filename))
        try:
            reply = fut.result(timeout=self._timeout())
        except concurrent.futures.TimeoutError:
            self._cancel(rid)
            raise GraderError("the grading worker did not answer in time") from None
        except KeyboardInterrupt:
            self._cancel(rid)
            raise
        return self._verdict(reply)

    async def warm_up(self, exercise_id: str, variant_seed: int | None = None) -> None:
        """Get ready for ``exercise_id``: the worker computes its expected values and mutant
        outputs and arms a waiting child for it, so the first grade is as fast as the rest.
        Optional (the TUI can call it when an exercise screen opens)."""
        load_exercise(exercise_id, self.roots)
        rid, fut = self._request({"op": Op.WARM.value, "exercise": exercise_id,
                                  "variant_seed": variant_seed})
        try:
            reply = await asyncio.wait_for(asyncio.wrap_future(fut), self._timeout())
        except asyncio.CancelledError:
            self._cancel(rid)
            raise
        self._unpack(reply)

    async def describe_variant(self, exercise_id: str, seed: int | None) -> JsonObject:
        """Shapes, dtypes and hyperparameters of the checks for ``seed`` (None: canonical)."""
        load_exercise(exercise_id, self.roots)
        rid, fut = self._request({"op": Op.DESCRIBE.value, "exercise": exercise_id,
                                  "seed": seed})
        try:
            reply = await asyncio.wait_for(asyncio.wrap_future(fut), self._timeout())
        except asyncio.CancelledError:
            self._cancel(rid)
            raise
        return self._variant(reply)

    def describe_variant_sync(self, exercise_id: str, seed: int | None) -> JsonObject:
        load_exercise(exercise_id, self.roots)
        _rid, fut = self._request({"op": Op.DESCRIBE.value, "exercise": exercise_id,
                                   "seed": seed})
        return self._variant(fut.result(timeout=self._timeout()))

    # -- threads ------------------------------------------------------------------------------
    def _writer(self, proc: subprocess.Popen[bytes], q: queue.Queue[bytes | None]) -> None:
        assert proc.stdin is not None
        fd = proc.stdin.fileno()
        while True:
            data = q.get()
            if data is None:
                return
            try:
                protocol.write_all(fd, data)
            except OSError:
                return

    def _stderr_reader(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        for line in iter(proc.stderr.readline, b""):
            self._stderr_tail.append(line.decode("utf-8", "replace").rstrip())

    def _reader(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while True:
            try:
                msg, _ = protocol.read_frame(fd)
            except (EOFError, OSError, protocol.ProtocolError, ValueError):
                break
            op = msg.get("op")
            if op == Reply.READY:
                self.info = msg
                self.start_seconds = time.monotonic() - self._started_at
                self._was_ready = True
                self.ready.set()
                continue
            rid = msg.get("id")
            with self._lock:
                fut = self._pending.pop(rid, None) if isinstance(rid, int) else None
                if isinstance(rid, int):
                    self._inflight.pop(rid, None)
                    self._retried.discard(rid)
            if fut is not None and not fut.done():
                if op == Reply.CANCELLED:
                    fut.cancel()
                else:
                    fut.set_result(msg)
        proc.wait()
        why = self._why(f"the grading worker exited (code {proc.returncode})")
        if self._proc is proc and self._was_ready and self._recover(proc, why):
            return
        if self._proc is proc or self._proc is None:
            self._dead = why
            self.ready.set()
            self._fail_all(self._dead)

    def _recover(self, proc: subprocess.Popen[bytes], why: str) -> bool:
        """A worker that was ready died: start a new one and send each unanswered request
        again, once (a request that already was retried fails with ``why``).  False when
        restarts come too fast to be worth it (the worker then stays dead)."""
        now = time.monotonic()
        with self._lock:
            if self._proc is not proc:
                return True  # closed or already replaced
            burst = (len(self._restarts) == RESTART_BURST
                     and now - self._restarts[0] < RESTART_WINDOW_S)
            retry = {} if burst else {rid: obj for rid, obj in self._inflight.items()
                                      if rid not in self._retried and rid in self._pending}
            give_up = [rid for rid in self._pending if rid not in retry]
            failed = [self._pending.pop(rid) for rid in give_up]
            for rid in give_up:
                self._inflight.pop(rid, None)
                self._retried.discard(rid)
        for fut in failed:
            if not fut.done():
                fut.set_exception(GraderError(why))
        if burst:
            return False
        self._restarts.append(now)
        self.restarts += 1
        self.start()
        for rid, obj in retry.items():
            self._retried.add(rid)
            self._outq.put(protocol.encode(obj))
        return True

    def _why(self, msg: str) -> str:
        tail = "\n".join(list(self._stderr_tail)[-15:])
        return f"{msg}" + (f":\n{tail}" if tail else "")

    def _fail_all(self, why: str) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            self._inflight.clear()
            self._retried.clear()
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(GraderError(why))


def grade_code(exercise_id: str, code: str, *, device: str = "cpu",
               roots: Sequence[Path | str] | None = None, variant_seed: int | None = None,
               filename: str | None = None, limits: Mapping[str, JsonValue] | None = None
               ) -> Verdict:
    """One-shot synchronous grading: start a worker, grade, stop it."""
    with GraderClient(device=device, roots=roots, limits=limits) as g:
        return g.grade_sync(exercise_id, code, variant_seed=variant_seed, filename=filename)
