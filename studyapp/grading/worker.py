"""The grading worker: the trusted side.  ``python -m studyapp.grading.worker CONFIG_JSON``.

It imports torch once (one thread), puts itself in fresh network, mount and pid
namespaces when it can, mounts a small tmpfs for the jails, and forks the fork server
(``zygote``) *before* loading any exercise.  Then it serves the client over stdin/stdout
frames (``protocol``): for each submission it sends the plan (inputs only) to the fork
server, receives the child's raw outputs, and compares them with expected values that it
computed itself and caches, in memory no child is ever forked from.

Client -> worker: ``{"op": "grade", "id", "exercise", "code", "variant_seed", "filename"}``,
``{"op": "cancel", "id"}``, ``{"op": "describe", "id", "exercise", "seed"}``,
``{"op": "quit"}``.  Worker -> client: ``{"op": "ready", ...}`` once, then one
``{"op": "verdict", "id", "verdict"}`` / ``{"op": "described", "id", "variant"}`` /
``{"op": "error", "id", "kind", "message"}`` per request.
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
from pathlib import Path
from typing import Any

DEFAULT_LIMITS = {
    "wall_s": 10.0,
    "cpu_s": 10,
    "memory_mb": 1024,
    "fsize_bytes": 4 << 20,
    "nproc": 64,
    "nofile": 64,
}
SANDBOX_UID = 65534
JAIL_TMPFS_BYTES = 64 << 20


def _log(msg: str) -> None:
    try:
        os.write(2, f"[studyapp grader] {msg}\n".encode())
    except OSError:
        pass


class Prepared:
    """One exercise (and variant) ready to grade: plan bytes, expected values, mutants."""

    def __init__(self, meta: Any, variant_seed: int | None):
        import torch

        from . import kit, runner, wire

        self.meta = meta
        self.variant_seed = variant_seed
        self.stamp = _stamp(meta.path)
        self.module = _load_module(meta.checks_path, f"checks_{meta.id}")
        spec = getattr(self.module, "SPEC", None)
        if not isinstance(spec, kit.Spec):
            raise ValueError(f"{meta.checks_path}: SPEC must be a studyapp.grading.kit.Spec")
        if spec.entry != meta.entry:
            raise ValueError(f"{meta.checks_path}: SPEC.entry {spec.entry!r} differs from "
                             f"exercise.toml entry {meta.entry!r}")
        self.spec = spec
        self.reference = self.module.reference
        self.checks: list[kit.Check] = list(self.module.checks(kit.Variant(variant_seed)))
        names = [c.name for c in self.checks]
        if len(set(names)) != len(names):
            raise ValueError(f"{meta.checks_path}: check names must be unique")
        blob = wire.BlobWriter()
        self.plan = {"checks": [c.to_plan(spec, blob) for c in self.checks]}
        self.blob = blob.getvalue()
        self.plan_json = json.dumps(self.plan, separators=(",", ":"))
        self.by_name = {c.name: c for c in self.checks}
        self.plan_by_name = {pc["name"]: pc for pc in self.plan["checks"]}
        self.expected: dict[str, dict[str, Any]] = {}
        for c in self.checks:
            rec = runner.stack(runner.run(self.reference, self.materialize(c.name)))
            for slot, v in rec["slots"].items():
                if not isinstance(v, torch.Tensor):
                    raise ValueError(f"{meta.checks_path}: reference output {slot} changes "
                                     f"shape across steps in check {c.name}")
            self.expected[c.name] = rec
        self._mutants: dict[str, dict[str, Any]] | None = None

    def materialize(self, name: str) -> Any:
        """Fresh CPU inputs for one run, decoded from the very bytes the child receives
        (every run gets its own copy: functions mutate their inputs in place)."""
        from . import runner

        return runner.Materialized(self.plan_by_name[name], self.blob, "cpu")

    def mutant_records(self) -> dict[str, dict[str, Any]]:
        """Each mutant's outputs on every check (computed once, on first need)."""
        if self._mutants is None:
            from . import runner

            out: dict[str, dict[str, Any]] = {}
            for mm in self.meta.mutants:
                try:
                    mod = _load_module(self.meta.path / mm.file, f"mutant_{self.meta.id}_{mm.id}")
                    fn = getattr(mod, self.meta.entry)
                except Exception:  # noqa: BLE001 - a broken mutant just never matches
                    continue
                recs = {}
                for c in self.checks:
                    try:
                        recs[c.name] = runner.stack(runner.run(fn, self.materialize(c.name)))
                    except Exception:  # noqa: BLE001
                        recs[c.name] = None
                out[mm.id] = recs
            self._mutants = out
        return self._mutants


def _stamp(path: Path) -> tuple:
    items = []
    for p in sorted(path.rglob("*.py")) + [path / "exercise.toml"]:
        try:
            st = p.stat()
            items.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            pass
    return tuple(items)


def _load_module(path: Path, name: str) -> Any:
    safe = "studyapp_exercise_" + "".join(ch if ch.isalnum() else "_" for ch in name)
    spec = importlib.util.spec_from_file_location(safe, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Worker:
    def __init__(self, cfg: dict[str, Any]):
        self.cfg = cfg
        self.roots = [Path(r) for r in cfg.get("roots") or []] or None
        self.limits = dict(DEFAULT_LIMITS, **(cfg.get("limits") or {}))
        self.sandbox_cfg = cfg.get("sandbox") or {}
        self.device_req = cfg.get("device", "cpu")
        self.cache: collections.OrderedDict[tuple, Prepared] = collections.OrderedDict()
        self.layers: list[str] = []
        self.queue: collections.deque = collections.deque()
        self.out_fd = -1
        self.in_fd = 0

    # -- startup ------------------------------------------------------------------------
    def start(self) -> None:
        t0 = time.monotonic()
        # Frames go to the original stdout; anything printed by accident goes to stderr.
        self.out_fd = os.dup(1)
        os.dup2(2, 1)
        import torch

        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        from . import guards, ownership, sandbox, zygote

        sb = self.sandbox_cfg
        # The lock comes first: nothing of this worker exists without it (ownership.py).
        self.owner = ownership.claim()
        ownership.remove_stale_cgroups()
        ownership.remove_stale_jails()
        self.ns = self._namespaces(sandbox) if sb.get("namespaces", True) else set()
        jail_root = tempfile.mkdtemp(prefix=self.owner.jail_prefix)
        os.chmod(jail_root, 0o755)
        if "mount" in self.ns:
            try:
                sandbox.mount_tmpfs(jail_root, JAIL_TMPFS_BYTES, 0o755)
                self.layers.append("jail-tmpfs")
            except OSError as exc:
                _log(f"no tmpfs jail: {exc}")
        self.jail_root = jail_root
        device = self.device_req
        drop_uid = sb.get("uid", SANDBOX_UID) if os.geteuid() == 0 and not self.userns else None
        mem_mode = sb.get("memory_mode", "auto")
        if mem_mode == "auto":
            mem_mode = "cgroup" if device in ("cuda", "auto") else "rlimit"
        hide = []
        needed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, torch.__file__,
                                              tempfile.gettempdir(), __file__)]
        for r in self.roots or _default_roots():
            rp = Path(r).resolve()
            # never hide a folder the sandbox itself needs (a root that contains the
            # interpreter, torch, this package or the temp dir is left to Landlock)
            if rp.is_dir() and not any(n == rp or rp in n.parents for n in needed):
                hide.append(str(rp))
        zcfg = {
            "jail_root": jail_root, "drop_uid": drop_uid,
            "drop_gid": sb.get("gid", drop_uid) if drop_uid is not None else None,
            "landlock": sb.get("landlock", True), "seccomp": sb.get("seccomp", True),
            "device": "cuda" if device in ("cuda", "auto") else "cpu",
            "memory_mode": mem_mode, "memory_mb": self.limits["memory_mb"],
            "layers": list(self.layers), "hide": hide, "cgroup_name": self.owner.cgroup_name,
        }
        a, b = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # fork server: pristine (no exercise loaded yet)
            a.close()
            os.close(self.out_fd)
            zygote.zygote_main(b.detach(), zcfg)
            os._exit(1)
        b.close()
        self.zpid = pid
        self.zsock = a.detach()
        # Warm the trusted side while the fork server warms up (2 cores).
        self._warm_references()
        from . import protocol

        up, _ = protocol.read_frame(self.zsock, deadline=time.monotonic() + 60)
        # Let the fork server find every banned API of the known exercises once, up front.
        from .exercises import list_exercises

        try:
            bans = sorted({b for m in list_exercises(self.roots) for b in m.banned})
        except Exception:  # noqa: BLE001 - a broken exercise is reported when graded
            bans = []
        protocol.write_frame(self.zsock, {"op": "prepare", "paths": bans})
        protocol.read_frame(self.zsock, deadline=time.monotonic() + 60)
        probe = device in ("cuda", "auto")
        protocol.write_frame(self.zsock, {"op": "hello", "probe_cuda": probe})
        hello, _ = protocol.read_frame(self.zsock, deadline=time.monotonic() + 60)
        cuda = bool(hello.get("cuda"))
        if device == "auto":
            device = "cuda" if cuda else "cpu"
        self.device = device
        self.cuda_ok = cuda
        self.layers = list(hello.get("layers", self.layers))
        del guards
        self._send({"op": "ready", "pid": os.getpid(), "device": device, "cuda": cuda,
                    "layers": self.layers, "start_s": time.monotonic() - t0,
                    "torch": torch.__version__})

    def _namespaces(self, sandbox: Any) -> set[str]:
        got: set[str] = set()
        self.userns = False
        if os.geteuid() != 0 or self.sandbox_cfg.get("userns"):
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
                if name == "net":
                    self.layers.append("net-namespace")
                if name == "ipc":
                    self.layers.append("ipc-namespace")
            except OSError as exc:
                _log(f"no {name} namespace: {exc}")
        if "mount" in got:
            try:
                sandbox.make_mounts_private()
            except OSError:
                got.discard("mount")
        return got

    userns = False
    timing: dict = {}

    def _warm_references(self) -> None:
        """Pay torch's lazy imports (optimizers, functional, init) once, up front."""
        import torch
        import torch.nn.functional as F

        from . import compare

        p = torch.zeros(3, requires_grad=True)
        for opt_cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.RMSprop,
                        torch.optim.AdamW):
            p.grad = torch.ones(3)
            opt_cls([p], lr=0.1).step()
        F.batch_norm(torch.randn(4, 3), torch.zeros(3), torch.ones(3), training=True)
        torch.nn.init.xavier_uniform_(torch.empty(3, 4))
        compare.Close()(torch.zeros(2, 3), torch.ones(2, 3))

    # -- serving ------------------------------------------------------------------------
    def _send(self, obj: dict, blob: bytes = b"") -> None:
        from . import protocol

        protocol.write_frame(self.out_fd, obj, blob)

    def _read_client(self) -> dict | None:
        from . import protocol

        try:
            msg, _ = protocol.read_frame(self.in_fd)
        except (EOFError, OSError):
            return None
        return msg

    def serve(self) -> None:
        while True:
            if self.queue:
                msg = self.queue.popleft()
            else:
                rl, _, _ = select.select([self.in_fd, self.zsock], [], [])
                if self.zsock in rl and self.in_fd not in rl:
                    # the fork server never speaks unprompted: it died
                    _log("fork server exited")
                    self._shutdown(3)
                msg = self._read_client()
                if msg is None:
                    self._shutdown(0)
            self._handle(msg)

    def _shutdown(self, code: int) -> None:
        try:
            os.kill(self.zpid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(self.zpid, 0)
        except OSError:
            pass
        from . import ownership

        owner = getattr(self, "owner", None)
        if owner is not None:
            ownership.remove_own_cgroup(owner)
        self._remove_jail_root()
        if owner is not None:
            ownership.release(owner)
        os._exit(code)

    def _remove_jail_root(self) -> None:
        root = getattr(self, "jail_root", None)
        if not root:
            return
        from . import sandbox

        if "jail-tmpfs" in self.layers:
            try:
                sandbox.umount(root)
            except OSError:
                pass
        shutil.rmtree(root, ignore_errors=True)

    def _handle(self, msg: dict) -> None:
        op = msg.get("op")
        rid = msg.get("id")
        if op == "quit":
            self._shutdown(0)
        if op == "cancel":
            return  # nothing running
        try:
            if op == "grade":
                self.timing = {}
                v = self.grade(msg)
                if v is not None:
                    self._send({"op": "verdict", "id": rid, "verdict": v.to_json(),
                                "timing": self.timing})
            elif op == "describe":
                prep = self.prepare(msg["exercise"], msg.get("seed"))
                self._send({"op": "described", "id": rid, "variant": {
                    "exercise": prep.meta.id, "seed": msg.get("seed"),
                    "checks": [c.describe() for c in prep.checks]}})
            elif op == "warm":
                prep = self.prepare(msg["exercise"], msg.get("variant_seed"))
                prep.mutant_records()
                from . import protocol

                meta = prep.meta
                protocol.write_frame(self.zsock, {"op": "prearm", "bans": {
                    "paths": list(meta.banned), "ops": list(meta.banned_ops)}})
                protocol.read_frame(self.zsock, deadline=time.monotonic() + 60)
                self._send({"op": "warmed", "id": rid})
            elif op == "ping":
                self._send({"op": "pong", "id": rid})
            else:
                self._send({"op": "error", "id": rid, "kind": "usage",
                            "message": f"unknown op {op!r}"})
        except Exception as exc:  # noqa: BLE001
            from .exercises import GradingError

            kind = "usage" if isinstance(exc, GradingError) else "internal"
            text = str(exc) if kind == "usage" else (
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")
            self._send({"op": "error", "id": rid, "kind": kind, "message": text})

    def prepare(self, exercise_id: str, seed: int | None) -> Prepared:
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
        while len(self.cache) > 24:
            self.cache.popitem(last=False)
        return prep

    def grade(self, msg: dict) -> Any:
        from . import frames, protocol, static
        from .assemble import assemble, forbidden_verdict, syntax_verdict

        t0 = time.monotonic()
        rid = msg.get("id")
        code = msg.get("code", "")
        filename = msg.get("filename") or "submission.py"
        prep = self.prepare(msg["exercise"], msg.get("variant_seed"))
        meta = prep.meta
        tm = self.timing
        tm["prepare_ms"] = (time.monotonic() - t0) * 1000
        try:
            findings = static.check_source(code, meta.banned, filename=filename)
        except SyntaxError as exc:
            return syntax_verdict(prep, exc, filename, self.device, t0)
        if findings:
            return forbidden_verdict(prep, findings, self.device, t0)
        limits = dict(self.limits)
        if meta.timeout_s:
            limits["wall_s"] = max(float(limits["wall_s"]), meta.timeout_s)
            limits["cpu_s"] = max(int(limits["cpu_s"]), int(meta.timeout_s))
        head = json.dumps({"op": "run", "job": rid, "code": code, "entry": meta.entry,
                           "bans": {"paths": list(meta.banned), "ops": list(meta.banned_ops)},
                           "limits": limits, "device": self.device},
                          separators=(",", ":"))
        frame = head[:-1] + ',"plan":' + prep.plan_json + "}"
        data = frame.encode()
        tm["static_ms"] = (time.monotonic() - t0) * 1000 - tm["prepare_ms"]
        t_send = time.monotonic()
        protocol.write_all(self.zsock, protocol._HEADER.pack(len(data), len(prep.blob)) + data
                           + prep.blob)
        # Wait for the result; keep reading the client so a cancel takes effect at once.
        cancelled = False
        while True:
            rl, _, _ = select.select([self.zsock, self.in_fd], [], [])
            if self.in_fd in rl:
                cm = self._read_client()
                if cm is None:
                    self._shutdown(0)
                if cm.get("op") == "cancel" and cm.get("id") == rid and not cancelled:
                    cancelled = True
                    protocol.write_frame(self.zsock, {"op": "cancel"})
                elif cm.get("op") == "quit":
                    self._shutdown(0)
                elif cm.get("op") == "cancel":
                    self.queue = collections.deque(
                        q for q in self.queue if q.get("id") != cm.get("id"))
                else:
                    self.queue.append(cm)
            if self.zsock in rl:
                try:
                    res, stream = protocol.read_frame(self.zsock)
                except (EOFError, OSError):
                    _log("fork server died during a run")
                    self._shutdown(3)
                break
        res = frames.check_result(res)
        tm["sandbox_ms"] = (time.monotonic() - t_send) * 1000
        tm["child_wall_ms"] = (res["wall_s"] or 0.0) * 1000
        if cancelled:
            self._send({"op": "cancelled", "id": rid})
            return None
        t_cmp = time.monotonic()
        try:
            v = assemble(prep, res, stream, code=code, filename=filename, device=self.device,
                         t0=t0, timing=tm)
        except Exception as exc:  # noqa: BLE001 - no stream may turn into a grader failure
            _log("assembling a verdict failed:\n" + traceback.format_exc(limit=6))
            v = unreadable_verdict(prep, f"{type(exc).__name__}: {exc}"[:200], self.device, t0)
        tm["compare_ms"] = (time.monotonic() - t_cmp) * 1000
        if v.status == "failed" and v.diagnosis is None and tm["child_wall_ms"] < 1500:
            # (a slow submission is not re-run: the learner would wait twice as long)
            t_sens = time.monotonic()
            self._sensitivity(prep, v, code, limits, rid)
            tm["sensitivity_ms"] = (time.monotonic() - t_sens) * 1000
            v.duration_ms = int(round((time.monotonic() - t0) * 1000))
        return v

    def _sensitivity(self, prep: Prepared, v: Any, code: str, limits: dict, rid: Any) -> None:
        """Sensitivity probes (only after a failure nothing else named): re-run the
        submission in the sandbox with one hyperparameter changed at a time and name the
        ones its output ignores (``probes.sensitivity_*``)."""
        from . import probes, protocol
        from .assemble import decode_outputs

        plan = probes.sensitivity_plan(prep, [t.name for t in v.tests if t.status == "failed"])
        if plan is None:
            return
        checks, plan_json, blob = plan
        meta = prep.meta
        short = dict(limits, wall_s=min(float(limits["wall_s"]), 3.0),
                     cpu_s=min(int(limits["cpu_s"]), 3))
        head = json.dumps({"op": "run", "job": rid, "code": code, "entry": meta.entry,
                           "bans": {"paths": list(meta.banned), "ops": list(meta.banned_ops)},
                           "limits": short, "device": self.device}, separators=(",", ":"))
        data = (head[:-1] + ',"plan":' + plan_json + "}").encode()
        protocol.write_all(self.zsock, protocol._HEADER.pack(len(data), len(blob)) + data + blob)
        try:
            _res, stream = protocol.read_frame(self.zsock)
        except (EOFError, OSError):
            _log("fork server died during a sensitivity run")
            self._shutdown(3)
        diagnosis = probes.sensitivity_diagnosis(prep, checks, decode_outputs(stream))
        if diagnosis is not None:
            v.diagnosis = diagnosis


def unreadable_verdict(prep: Prepared, why: str, device: str, t0: float) -> Any:
    """Status ``error`` for a run whose outputs could not be judged (the submission is
    still stored: this is a verdict, not a grader failure)."""
    from .verdict import TestResult, Verdict

    return Verdict(prep.meta.id, "error", device, int((time.monotonic() - t0) * 1000),
                   [TestResult(c.name, "skipped", c.regime, "") for c in prep.checks], None,
                   message=f"the grader could not read the submission's outputs ({why})",
                   variant_seed=prep.variant_seed)


def _default_roots() -> list[Path]:
    from .exercises import default_roots

    return default_roots()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv if argv is None else argv
    cfg = json.loads(argv[1]) if len(argv) > 1 else {}
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    w = Worker(cfg)
    try:
        w.start()
    except Exception:  # noqa: BLE001
        _log("worker failed to start:\n" + traceback.format_exc())
        os._exit(4)
    w.serve()


if __name__ == "__main__":
    main()
