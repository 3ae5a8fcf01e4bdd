"""The grading worker: the trusted side.  ``python -m studyapp.grading.worker CONFIG_JSON``
(``contract.WorkerConfig``).

It imports torch once (one thread), puts itself in fresh network, mount and pid
namespaces when it can, mounts a small tmpfs for the jails, and forks the fork server
(``zygote``) *before* loading any exercise.  Then it serves the client over stdin/stdout
frames (``protocol``): for each submission it sends the plan (inputs only) to the fork
server, receives the child's raw outputs, and compares them with expected values that it
computed itself and caches, in memory no child is ever forked from.

Client -> worker, one of six operations (``contract.Op``), each with an ``id``:

- ``{"op": "grade", "id", "exercise", "code", "variant_seed", "filename"}`` ->
  ``{"op": "verdict", "id", "verdict", "timing"}`` (or ``"cancelled"``)
- ``{"op": "cancel", "id"}``: stop that grade (kills its child); nothing else answers
- ``{"op": "describe", "id", "exercise", "seed"}`` -> ``{"op": "described", "id", "variant"}``
- ``{"op": "warm", "id", "exercise", "variant_seed"}`` -> ``{"op": "warmed", "id"}``
  (expected values and mutant outputs computed, a child armed for the exercise)
- ``{"op": "ping", "id"}`` -> ``{"op": "pong", "id"}``
- ``{"op": "quit"}``: the worker, its fork server and every child exit

Worker -> client: ``{"op": "ready", "pid", "device", "cuda", "layers", "not_applied",
"start_s", "torch"}`` once at start; any request can instead be answered
``{"op": "error", "id", "kind": "usage" | "internal", "message"}``.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from .contract import (
    DEFAULT_LIMITS,
    JSON,
    Bans,
    ForkOp,
    ForkServerConfig,
    Job,
    JsonObject,
    Limits,
    Op,
    Reply,
    Request,
    WorkerConfig,
)
from .ownership import Ownership

if TYPE_CHECKING:
    from .exercises import ExerciseMeta
    from .kit import Check, Spec
    from .runner import Materialized, Records
    from .verdict import Verdict

__all__ = ["DEFAULT_LIMITS", "Prepared", "Worker", "main"]

SANDBOX_UID = 65534
JAIL_TMPFS_BYTES = 64 << 20
FRAME_TIMEOUT_S = 60.0  # the fork server answers setup requests within this
MAX_CACHED = 24  # prepared exercises (and variants) kept
SENSITIVITY_MAX_CHILD_MS = 1500  # a slower submission is not re-run: the learner would wait
SENSITIVITY_LIMIT_S = 3.0


def _log(msg: str) -> None:
    try:
        os.write(2, f"[studyapp grader] {msg}\n".encode())
    except OSError:
        pass  # nobody to tell


class Prepared:
    """One exercise (and variant) ready to grade: plan bytes, expected values, mutants."""

    meta: ExerciseMeta
    variant_seed: int | None
    stamp: tuple[tuple[str, int, int], ...]
    module: ModuleType
    spec: Spec
    reference: Callable[..., object]
    checks: list[Check]
    by_name: dict[str, Check]
    plan: JsonObject
    plan_by_name: dict[str, JsonObject]
    plan_json: str  # the plan as the JSON text spliced into every run's frame
    blob: bytes
    expected: dict[str, Records]  # the reference's stacked outputs, by check

    def __init__(self, meta: ExerciseMeta, variant_seed: int | None):
        # deferred: worker start-up order, see start()
        from . import kit

        self.meta = meta
        self.variant_seed = variant_seed
        self.stamp = _stamp(meta.path)
        self.module = _load_module(meta.checks_path, f"checks_{meta.id}")
        self.spec = self._spec(kit)
        self.reference = self.module.reference
        self.checks = list(self.module.checks(kit.Variant(variant_seed)))
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"{meta.checks_path}: check names must be unique")
        self._plan()
        self.expected = {c.name: self._expected(c) for c in self.checks}
        self._mutants: dict[str, dict[str, Records | None]] | None = None

    def _spec(self, kit: ModuleType) -> Spec:
        spec = getattr(self.module, "SPEC", None)
        if not isinstance(spec, kit.Spec):  # (so mypy knows the type below)
            raise ValueError(f"{self.meta.checks_path}: SPEC must be a "
                             f"studyapp.grading.kit.Spec")
        if spec.entry != self.meta.entry:
            raise ValueError(f"{self.meta.checks_path}: SPEC.entry {spec.entry!r} differs "
                             f"from exercise.toml entry {self.meta.entry!r}")
        checked: Spec = spec
        return checked

    def _plan(self) -> None:
        # deferred: worker start-up order, see start()
        from . import wire

        blob = wire.BlobWriter()
        checks = [c.to_plan(self.spec, blob) for c in self.checks]
        self.plan = {"checks": checks}
        self.blob = blob.getvalue()
        self.plan_json = json.dumps(self.plan, separators=(",", ":"))
        self.by_name = {c.name: c for c in self.checks}
        self.plan_by_name = {c.name: pc for c, pc in zip(self.checks, checks, strict=True)}

    def _expected(self, check: Check) -> Records:
        # deferred: torch loads in start(), once, on one thread
        import torch

        from . import runner  # deferred: worker start-up order, see start()

        rec = runner.stack(runner.run(self.reference, self.materialize(check.name)))
        for slot, v in rec["slots"].items():
            if not isinstance(v, torch.Tensor):
                raise ValueError(f"{self.meta.checks_path}: reference output {slot} changes "
                                 f"shape across steps in check {check.name}")
        return rec

    @property
    def bans(self) -> Bans:
        return Bans(tuple(self.meta.banned), tuple(self.meta.banned_ops))

    def materialize(self, name: str) -> Materialized:
        """Fresh CPU inputs for one run, decoded from the very bytes the child receives
        (every run gets its own copy: functions mutate their inputs in place)."""
        # deferred: worker start-up order, see start()
        from . import runner

        return runner.Materialized(self.plan_by_name[name], self.blob, "cpu")

    def mutant_records(self) -> dict[str, dict[str, Records | None]]:
        """Each mutant's outputs on every check (computed once, on first need)."""
        if self._mutants is None:
            self._mutants = {}
            for mutant in self.meta.mutants:
                fn = self._mutant_fn(mutant.id, mutant.file)
                if fn is not None:
                    self._mutants[mutant.id] = {c.name: self._records(fn, c)
                                                for c in self.checks}
        return self._mutants

    def _mutant_fn(self, mutant_id: str, file: str) -> Callable[..., Any] | None:
        try:
            mod = _load_module(self.meta.path / file, f"mutant_{self.meta.id}_{mutant_id}")
            fn: Callable[..., Any] = getattr(mod, self.meta.entry)
        except Exception:  # noqa: BLE001 - a broken mutant just never matches
            return None
        return fn

    def _records(self, fn: Callable[..., Any], check: Check) -> Records | None:
        # deferred: worker start-up order, see start()
        from . import runner

        try:
            return runner.stack(runner.run(fn, self.materialize(check.name)))
        except Exception:  # noqa: BLE001 - a mutant that raises here says nothing
            return None


def _stamp(path: Path) -> tuple[tuple[str, int, int], ...]:
    items = []
    for p in sorted(path.rglob("*.py")) + [path / "exercise.toml"]:
        try:
            st = p.stat()
            items.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            pass  # removed meanwhile: the stamp changes, the exercise is reloaded
    return tuple(items)


def _load_module(path: Path, name: str) -> ModuleType:
    safe = "studyapp_exercise_" + "".join(ch if ch.isalnum() else "_" for ch in name)
    spec = importlib.util.spec_from_file_location(safe, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Worker:
    def __init__(self, config: WorkerConfig):
        self.config = config
        self.roots = [Path(r) for r in config.roots] if config.roots else None
        self.limits: Limits = config.limits
        self.options = config.sandbox
        self.device_requested = config.device
        self.device = "cpu"
        self.cuda_ok = False
        self.cache: collections.OrderedDict[tuple[str, int | None], Prepared] = (
            collections.OrderedDict())
        self.layers: list[str] = []
        self.not_applied: dict[str, str] = {}
        self.queue: collections.deque[Request] = collections.deque()
        self.out_fd = -1
        self.in_fd = 0
        self.userns = False
        self.timing: dict[str, float] = {}
        self.owner: Ownership | None = None  # claimed first thing in ``start``
        self.jail_root = ""
        self.fork_server_pid = -1
        self.fork_server = -1  # the socket to the fork server

    # -- startup ------------------------------------------------------------------------
    def start(self) -> None:
        """Lock, namespaces, jail, fork server, then tell the client it is ready."""
        t0 = time.monotonic()
        # Frames go to the original stdout; anything printed by accident goes to stderr.
        self.out_fd = os.dup(1)
        os.dup2(2, 1)
        # deferred: torch loads in start(), once, on one thread
        import torch

        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass  # already set in this process
        # deferred: worker start-up order, see start()
        from . import ownership

        # The lock comes first: nothing of this worker exists without it (ownership.py).
        self.owner = ownership.claim()
        ownership.remove_stale_cgroups()
        ownership.remove_stale_jails()
        namespaces = self._namespaces() if self.options.namespaces else set()
        self.jail_root = self._make_jail_root("mount" in namespaces)
        self._fork_fork_server(self._fork_server_config())
        # Warm the trusted side while the fork server warms up (2 cores).
        self._warm_references()
        self._fork_server_request(None)  # its "up" frame
        self._prepare_bans()
        hello = self._fork_server_request({"op": ForkOp.HELLO.value, "probe_cuda":
                                           self.device_requested in ("cuda", "auto")})
        self._ready(hello, t0, torch.__version__)

    def _make_jail_root(self, own_mounts: bool) -> str:
        # deferred: worker start-up order, see start()
        from . import sandbox

        assert self.owner is not None
        jail_root = tempfile.mkdtemp(prefix=self.owner.jail_prefix)
        os.chmod(jail_root, 0o755)
        if own_mounts:
            try:
                sandbox.mount_tmpfs(jail_root, JAIL_TMPFS_BYTES, 0o755)
                self.layers.append("jail-tmpfs")
            except OSError as exc:
                _log(f"no tmpfs jail: {exc}")
        return jail_root

    def _fork_server_config(self) -> ForkServerConfig:
        options, device = self.options, self.device_requested
        assert self.owner is not None
        uid = options.uid if options.uid is not None else SANDBOX_UID
        drop_uid = uid if os.geteuid() == 0 and not self.userns else None
        memory_mode = options.memory_mode
        if memory_mode == "auto":
            memory_mode = "cgroup" if device in ("cuda", "auto") else "rlimit"
        return ForkServerConfig(
            jail_root=self.jail_root, cgroup_name=self.owner.cgroup_name, drop_uid=drop_uid,
            drop_gid=(options.gid if options.gid is not None else drop_uid)
            if drop_uid is not None else None,
            landlock=options.landlock, seccomp=options.seccomp,
            device="cuda" if device in ("cuda", "auto") else "cpu",
            memory_mode=memory_mode, memory_mb=self.limits.memory_mb,
            layers=tuple(self.layers), hide=tuple(self._hidden_roots()))

    def _hidden_roots(self) -> list[str]:
        """Content roots to hide from the children: never one the sandbox itself needs (a
        root that contains the interpreter, torch, this package or the temp dir is left to
        Landlock)."""
        # deferred: torch loads in start(), once, on one thread
        import torch

        needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, torch.__file__,
                                              tempfile.gettempdir(), __file__)]
        hide = []
        for r in self.roots or _default_roots():
            rp = Path(r).resolve()
            if rp.is_dir() and not any(n == rp or rp in n.parents for n in needed):
                hide.append(str(rp))
        return hide

    def _fork_fork_server(self, config: ForkServerConfig) -> None:
        # deferred: worker start-up order, see start()
        from . import zygote

        a, b = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # fork server: pristine (no exercise loaded yet)
            a.close()
            os.close(self.out_fd)
            zygote.zygote_main(b.detach(), config)
            os._exit(1)
        b.close()
        self.fork_server_pid = pid
        self.fork_server = a.detach()

    def _fork_server_request(self, msg: dict[str, JSON] | None) -> dict[str, JSON]:
        """Send ``msg`` (if any) and read the fork server's one-frame answer."""
        # deferred: worker start-up order, see start()
        from . import protocol

        if msg is not None:
            protocol.write_frame(self.fork_server, msg)
        reply, _ = protocol.read_frame(self.fork_server,
                                       deadline=time.monotonic() + FRAME_TIMEOUT_S)
        return reply

    def _prepare_bans(self) -> None:
        """Let the fork server find every banned API of the known exercises once, up front."""
        # deferred: worker start-up order, see start()
        from .exercises import list_exercises

        try:
            bans = sorted({b for m in list_exercises(self.roots) for b in m.banned})
        except Exception:  # noqa: BLE001 - a broken exercise is reported when graded
            bans = []
        self._fork_server_request({"op": ForkOp.PREPARE.value, "paths": bans})

    def _ready(self, hello: dict[str, JSON], t0: float, torch_version: str) -> None:
        cuda = bool(hello.get("cuda"))
        device = self.device_requested
        self.device = ("cuda" if cuda else "cpu") if device == "auto" else device
        self.cuda_ok = cuda
        layers, not_applied = hello.get("layers"), hello.get("not_applied")
        self.layers = [str(x) for x in layers] if isinstance(layers, list) else self.layers
        self.not_applied = dict(not_applied) if isinstance(not_applied, dict) else {}
        self._send({"op": Reply.READY.value, "pid": os.getpid(), "device": self.device,
                    "cuda": cuda, "layers": self.layers, "not_applied": self.not_applied,
                    "start_s": time.monotonic() - t0, "torch": torch_version})

    def _namespaces(self) -> set[str]:
        # deferred: worker start-up order, see start()
        from . import sandbox

        got: set[str] = set()
        if os.geteuid() != 0 or self.options.userns:
            try:
                sandbox.enter_user_namespace()
                self.userns = True
                got.add("user")
                self.layers.append("user-namespace")
            except OSError as exc:
                _log(f"no user namespace: {exc}")
                return got
        for flag, name in ((sandbox.CLONE_NEWNET, "net"), (sandbox.CLONE_NEWNS, "mount"),
                           (sandbox.CLONE_NEWPID, "pid"), (sandbox.CLONE_NEWIPC, "ipc")):
            try:
                sandbox.unshare(flag)
                got.add(name)
                if name in ("net", "ipc"):
                    self.layers.append(f"{name}-namespace")
            except OSError as exc:
                _log(f"no {name} namespace: {exc}")
        if "mount" in got:
            try:
                sandbox.make_mounts_private()
            except OSError as exc:
                _log(f"mounts stay shared, so no tmpfs jail: {exc}")
                got.discard("mount")
        return got

    def _warm_references(self) -> None:
        """Pay torch's lazy imports (optimizers, functional, init) once, up front."""
        # deferred: torch loads in start(), once, on one thread
        import torch
        import torch.nn.functional as F

        from . import compare  # deferred: worker start-up order, see start()

        p = torch.zeros(3, requires_grad=True)
        for opt_cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.RMSprop,
                        torch.optim.AdamW):
            p.grad = torch.ones(3)
            opt_cls([p], lr=0.1).step()
        F.batch_norm(torch.randn(4, 3), torch.zeros(3), torch.ones(3), training=True)
        torch.nn.init.xavier_uniform_(torch.empty(3, 4))
        compare.Close()(torch.zeros(2, 3), torch.ones(2, 3))

    # -- serving ------------------------------------------------------------------------
    def _send(self, obj: dict[str, JSON], blob: bytes = b"") -> None:
        # deferred: worker start-up order, see start()
        from . import protocol

        protocol.write_frame(self.out_fd, obj, blob)

    def _read_client(self) -> Request | None:
        # deferred: worker start-up order, see start()
        from . import protocol

        try:
            msg, _ = protocol.read_frame(self.in_fd)
        except (EOFError, OSError):
            return None
        return Request.from_json(msg)

    def serve(self) -> NoReturn:
        while True:
            self.handle(self.queue.popleft() if self.queue else self._next_request())

    def _next_request(self) -> Request:
        ready, _, _ = select.select([self.in_fd, self.fork_server], [], [])
        if self.fork_server in ready and self.in_fd not in ready:
            # the fork server never speaks unprompted: it died
            _log("fork server exited")
            self._shutdown(3)
        msg = self._read_client()
        if msg is None:
            self._shutdown(0)
        return msg

    def _shutdown(self, code: int) -> NoReturn:
        if self.fork_server_pid > 0:
            try:
                os.kill(self.fork_server_pid, signal.SIGKILL)
                os.waitpid(self.fork_server_pid, 0)
            except OSError:
                pass  # gone already
        # deferred: worker start-up order, see start()
        from . import ownership

        if self.owner is not None:
            ownership.remove_own_cgroup(self.owner)
        self._remove_jail_root()
        if self.owner is not None:
            ownership.release(self.owner)
        os._exit(code)

    def _remove_jail_root(self) -> None:
        if not self.jail_root:
            return
        # deferred: worker start-up order, see start()
        from . import sandbox

        if "jail-tmpfs" in self.layers:
            try:
                sandbox.umount(self.jail_root)
            except OSError as exc:
                _log(f"cannot unmount the jail tmpfs: {exc}")
        shutil.rmtree(self.jail_root, ignore_errors=True)

    def handle(self, request: Request) -> None:
        """Serve one of the six operations (``contract.Op``)."""
        op, rid = request.op, request.id
        if op == Op.QUIT:
            self._shutdown(0)
        if op == Op.CANCEL:
            return  # nothing running
        try:
            if op == Op.GRADE:
                self.timing = {}
                v = self.grade(request)
                if v is not None:
                    self._send({"op": Reply.VERDICT.value, "id": rid, "verdict": v.to_json(),
                                "timing": self.timing})
            elif op == Op.DESCRIBE:
                self._send({"op": Reply.DESCRIBED.value, "id": rid,
                            "variant": self._describe(request)})
            elif op == Op.WARM:
                self._warm_up(request)
                self._send({"op": Reply.WARMED.value, "id": rid})
            elif op == Op.PING:
                self._send({"op": Reply.PONG.value, "id": rid})
            else:
                self._send({"op": Reply.ERROR.value, "id": rid, "kind": "usage",
                            "message": f"unknown op {op!r}"})
        except Exception as exc:  # noqa: BLE001
            self._send_error(rid, exc)

    def _send_error(self, rid: JSON, exc: Exception) -> None:
        # deferred: worker start-up order, see start()
        from .exercises import GradingError

        kind = "usage" if isinstance(exc, GradingError) else "internal"
        text = str(exc) if kind == "usage" else (
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
        self._send({"op": Reply.ERROR.value, "id": rid, "kind": kind, "message": text})

    def _describe(self, request: Request) -> dict[str, JSON]:
        prep = self.prepare(request.exercise, request.variant_seed)
        return {"exercise": prep.meta.id, "seed": request.variant_seed,
                "checks": [c.describe() for c in prep.checks]}

    def _warm_up(self, request: Request) -> None:
        prep = self.prepare(request.exercise, request.variant_seed)
        prep.mutant_records()
        self._fork_server_request({"op": ForkOp.PREARM.value, "bans": prep.bans.to_json()})

    def prepare(self, exercise_id: str, seed: int | None) -> Prepared:
        # deferred: worker start-up order, see start()
        from .exercises import GradingError, load_exercise

        meta = load_exercise(exercise_id, self.roots)
        key = (meta.id, seed)
        prep = self.cache.get(key)
        if prep is not None and prep.stamp == _stamp(meta.path):
            self.cache.move_to_end(key)
            return prep
        try:
            prep = Prepared(meta, seed)
        except GradingError:
            raise
        except Exception as exc:
            raise GradingError(f"exercise {meta.id} is broken: {type(exc).__name__}: {exc}"
                               ) from exc
        self.cache[key] = prep
        while len(self.cache) > MAX_CACHED:
            self.cache.popitem(last=False)
        return prep

    # -- grading --------------------------------------------------------------------------
    def grade(self, request: Request) -> Verdict | None:
        """The verdict on one submission (None when it was cancelled)."""
        # deferred: worker start-up order, see start()
        from . import frames, static
        from .assemble import forbidden_verdict, syntax_verdict

        t0 = time.monotonic()
        rid, code, filename = request.id, request.code, request.filename
        prep = self.prepare(request.exercise, request.variant_seed)
        timing = self.timing
        timing["prepare_ms"] = (time.monotonic() - t0) * 1000
        try:
            findings = static.check_source(code, prep.meta.banned, filename=filename)
        except SyntaxError as exc:
            return syntax_verdict(prep, exc, filename, self.device, t0)
        if findings:
            return forbidden_verdict(prep, findings, self.device, t0)
        job = Job(rid, code, prep.meta.entry, prep.bans,
                  self.limits.at_least(prep.meta.timeout_s), self.device)
        timing["static_ms"] = (time.monotonic() - t0) * 1000 - timing["prepare_ms"]
        t_send = time.monotonic()
        reply, stream = self._run(job, prep.plan_json, prep.blob)
        if reply is None:
            self._send({"op": Reply.CANCELLED.value, "id": rid})
            return None
        result = frames.check_result(reply)
        timing["sandbox_ms"] = (time.monotonic() - t_send) * 1000
        timing["child_wall_ms"] = (result.wall_s or 0.0) * 1000
        verdict = self._judge(prep, result, stream, code, filename, t0)
        if (verdict.status == "failed" and verdict.diagnosis is None
                and timing["child_wall_ms"] < SENSITIVITY_MAX_CHILD_MS):
            t_sens = time.monotonic()
            self._sensitivity(prep, verdict, job)
            timing["sensitivity_ms"] = (time.monotonic() - t_sens) * 1000
            verdict.duration_ms = int(round((time.monotonic() - t0) * 1000))
        return verdict

    def _judge(self, prep: Prepared, result: Any, stream: bytes, code: str, filename: str,
               t0: float) -> Verdict:
        """Compare and diagnose; a stream that breaks the assembler is an ``error`` verdict."""
        # deferred: worker start-up order, see start()
        from .assemble import assemble

        t_cmp = time.monotonic()
        try:
            verdict = assemble(prep, result, stream, code=code, filename=filename,
                               device=self.device, t0=t0, timing=self.timing)
        except Exception as exc:  # noqa: BLE001 - no stream may turn into a grader failure
            _log("assembling a verdict failed:\n" + traceback.format_exc(limit=6))
            verdict = unreadable_verdict(prep, f"{type(exc).__name__}: {exc}"[:200],
                                         self.device, t0)
        self.timing["compare_ms"] = (time.monotonic() - t_cmp) * 1000
        return verdict

    def _run(self, job: Job, plan_json: str, blob: bytes
             ) -> tuple[dict[str, JSON] | None, bytes]:
        """Run ``job`` in the sandbox; (the fork server's reply, the child's stream), or
        (None, b"") when the client cancelled it.  Keeps reading the client meanwhile, so
        a cancel takes effect at once."""
        # deferred: worker start-up order, see start()
        from . import protocol

        protocol.write_all(self.fork_server, protocol.encode_job(job, plan_json, blob))
        cancelled = False
        while True:
            ready, _, _ = select.select([self.fork_server, self.in_fd], [], [])
            if self.in_fd in ready and not self._client_during_run(job.id, cancelled):
                cancelled = True
                protocol.write_frame(self.fork_server, {"op": ForkOp.CANCEL.value})
            if self.fork_server in ready:
                reply, stream = self._fork_server_reply("a run")
                return (None, b"") if cancelled else (reply, stream)

    def _client_during_run(self, rid: JSON, cancelled: bool) -> bool:
        """Read one client message during a run; False when it cancels this run."""
        request = self._read_client()
        if request is None:
            self._shutdown(0)
        if request.op == Op.CANCEL and request.id == rid and not cancelled:
            return False
        if request.op == Op.QUIT:
            self._shutdown(0)
        elif request.op == Op.CANCEL:
            self.queue = collections.deque(q for q in self.queue if q.id != request.id)
        else:
            self.queue.append(request)
        return True

    def _fork_server_reply(self, during: str) -> tuple[dict[str, JSON], bytes]:
        # deferred: worker start-up order, see start()
        from . import protocol

        try:
            return protocol.read_frame(self.fork_server)
        except (EOFError, OSError):
            _log(f"fork server died during {during}")
            self._shutdown(3)

    def _sensitivity(self, prep: Prepared, verdict: Verdict, job: Job) -> None:
        """Sensitivity probes (only after a failure nothing else named): re-run the
        submission in the sandbox with one hyperparameter changed at a time and name the
        ones its output ignores (``probes.sensitivity_*``)."""
        # deferred: worker start-up order, see start()
        from . import probes, protocol
        from .assemble import decode_outputs

        failing = [t.name for t in verdict.tests if t.status == "failed"]
        plan = probes.sensitivity_plan(prep, failing)
        if plan is None:
            return
        checks, plan_json, blob = plan
        rerun = Job(job.id, job.code, job.entry, job.bans,
                    job.limits.capped(SENSITIVITY_LIMIT_S), job.device)
        protocol.write_all(self.fork_server, protocol.encode_job(rerun, plan_json, blob))
        _reply, stream = self._fork_server_reply("a sensitivity run")
        diagnosis = probes.sensitivity_diagnosis(prep, checks, decode_outputs(stream))
        if diagnosis is not None:
            verdict.diagnosis = diagnosis


def unreadable_verdict(prep: Prepared, why: str, device: str, t0: float) -> Verdict:
    """Status ``error`` for a run whose outputs could not be judged (the submission is
    still stored: this is a verdict, not a grader failure)."""
    # deferred: worker start-up order, see start()
    from .verdict import TestResult, Verdict

    return Verdict(prep.meta.id, "error", device, int((time.monotonic() - t0) * 1000),
                   [TestResult(c.name, "skipped", c.regime, "") for c in prep.checks], None,
                   message=f"the grader could not read the submission's outputs ({why})",
                   variant_seed=prep.variant_seed)


def _default_roots() -> list[Path]:
    # deferred: worker start-up order, see start()
    from .exercises import default_roots

    return default_roots()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    config = WorkerConfig.from_json(json.loads(argv[1]) if len(argv) > 1 else {})
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker = Worker(config)
    try:
        worker.start()
    except Exception:  # noqa: BLE001
        _log("worker failed to start:\n" + traceback.format_exc())
        os._exit(4)
    worker.serve()


if __name__ == "__main__":
    main()
