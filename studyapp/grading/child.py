"""The sandboxed child: forked from the fork server for one submission, never trusted.

It locks itself down (``lockdown``), runs the submission on the inputs it was sent, and
writes raw outputs to the result pipe (fd 3) as frames::

    {"event": "sandboxed"}                              first, before any submission code
    {"event": "start", "name"}                          before each check
    {"event": "check", "name", "status": "ok", "slots": {slot: meta}, "same": {slot: [bool]}}
    {"event": "check", "name", "status": "error", "step", "exc": {...}}
    {"event": "check", "name", "status": "invalid", "step", "kind", ...}
    {"event": "import_error", "exc": {...}}   /  {"event": "invalid", "kind", ...}
    {"event": "forbidden", "what"}            (from a tripwire, then exit 86; the exit
                                              code alone means nothing)
    {"event": "done"}

It never sees expected values: those exist only in the worker, which it was not forked
from.  Everything it says is checked by the trusted side; the worst a lying child can do
is fail.
"""

from __future__ import annotations

import builtins
import fcntl
import inspect
import os
import select
import signal
import sys
import time
import traceback
from typing import Any

import torch

from . import guards, protocol, runner, sandbox, wire

# monotonic timestamps of the child's phases, reported (untrusted, informative only)
TRACE: dict[str, float] = {}
RESULT_FD = 3
_RULESET_FD = 4
JOB_FD = 5
SUBMISSION_FILENAME = "<submission>"
_MEMORY_MARKERS = ("can't allocate memory", "DefaultCPUAllocator", "out of memory",
                   "OutOfMemoryError", "Cannot allocate memory")


def _send(obj: dict, blob: bytes = b"") -> None:
    protocol.write_all(RESULT_FD, protocol.encode(obj, blob))


def lockdown(fds: dict[str, int], cfg: dict) -> None:
    """Apply the OS layers that do not depend on the job, in an order where each step
    still has the rights it needs.  Limits come later (``apply_limits``)."""
    os.setsid()
    for sig in (signal.SIGXFSZ, signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # fds: 0 /dev/null, 1-2 capped files, 3 result pipe, 4 Landlock ruleset, 5 job pipe.
    # Move every source fd out of the way first, so no dup2 below clobbers another source.
    high = {k: fcntl.fcntl(v, fcntl.F_DUPFD_CLOEXEC, 512) for k, v in fds.items() if v >= 0}
    os.dup2(high["devnull"], 0)
    os.dup2(high["stdout"], 1)
    os.dup2(high["stderr"], 2)
    os.dup2(high["result"], RESULT_FD)
    os.dup2(high["job"], JOB_FD)
    ruleset = high.get("ruleset", -1)
    if ruleset >= 0:
        os.dup2(ruleset, _RULESET_FD)
    os.closerange(JOB_FD + 1, 65536)
    if ruleset < 0:
        try:
            os.close(_RULESET_FD)
        except OSError:
            pass
    for fd in (0, 1, 2):
        os.set_inheritable(fd, True)
    jail = cfg["jail"]
    os.chdir(jail)
    os.environ.clear()
    os.environ.update({"HOME": jail, "TMPDIR": jail, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "PYTHONDONTWRITEBYTECODE": "1"})
    device = cfg["device"]
    cg = cfg.get("cgroup_procs")
    if cg and (device == "cuda" or cfg.get("memory_mode") == "cgroup"):
        with open(cg, "w") as f:
            f.write("0")
    if device == "cuda":
        torch.cuda.init()
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.empty(1, device="cuda")
    sandbox.set_no_new_privs()
    if ruleset >= 0:
        sandbox.landlock_restrict(_RULESET_FD)
        os.close(_RULESET_FD)
    if cfg.get("drop_uid") is not None:
        sandbox.drop_privileges(cfg["drop_uid"], cfg["drop_gid"])
    sandbox.drop_capabilities()
    sandbox.set_pdeathsig(signal.SIGKILL)
    prog = cfg.get("seccomp")
    if prog:
        sandbox.install_seccomp(prog)


def apply_limits(limits: dict, cfg: dict) -> None:
    """rlimits for this job (only ever lowered, so no privilege is needed)."""
    as_bytes = None
    if cfg.get("memory_mode") == "rlimit":
        as_bytes = cfg["vm_base"] + int(limits["memory_mb"]) * (1 << 20)
    cuda = cfg.get("device") == "cuda"  # the driver keeps more threads and files open
    sandbox.set_rlimits(cpu_s=int(limits["cpu_s"]), as_bytes=as_bytes,
                        fsize_bytes=int(limits["fsize_bytes"]),
                        nproc=max(int(limits["nproc"]), 256 if cuda else 0),
                        nofile=max(int(limits["nofile"]), 1024 if cuda else 0))


def _exc_info(exc: BaseException) -> dict[str, Any]:
    try:
        msg = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        msg = "<unprintable exception>"
    t = type(exc)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    frames = []
    try:
        for fr in traceback.extract_tb(exc.__traceback__):
            if fr.filename == SUBMISSION_FILENAME:
                frames.append([fr.lineno, fr.name])
    except BaseException:  # noqa: BLE001
        pass
    memory = isinstance(exc, MemoryError) or any(m in msg for m in _MEMORY_MARKERS)
    return {"type": name[:120], "message": msg[:4000], "frames": frames[-20:],
            "memory": memory, "system_exit": isinstance(exc, SystemExit)}


def _encode_records(records: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    blob = wire.BlobWriter()
    slots: dict[str, Any] = {}
    for slot, ts in records["slots"].items():
        if not ts:
            slots[slot] = None
            continue
        first = ts[0]
        j = len(ts)
        for i, t in enumerate(ts):
            if t.dtype != first.dtype or t.shape != first.shape:
                j = i
                break
        if first.dtype not in wire.DTYPE_NAMES:
            slots[slot] = {"bad_dtype": str(first.dtype)[:40]}
            continue
        stacked = torch.stack(ts[:j])
        meta = wire.encode_tensor(stacked, blob)
        if j < len(ts):
            meta["varies"] = {"step": j, "dtype": str(ts[j].dtype).removeprefix("torch."),
                              "shape": list(ts[j].shape)}
        slots[slot] = meta
    return {"slots": slots, "same": records["same"]}, blob.getvalue()


def run_submission(job: dict, plan_blob: bytes, device: str) -> None:
    """Compile, load and run the submission on every check; stream the raw outputs."""
    checks = job["plan"]["checks"]
    entry = job["entry"]
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    # Inputs are decoded before the learner's code runs, from bytes it never sees again.
    mats = [runner.Materialized(c, plan_blob, device) for c in checks]
    del plan_blob
    TRACE["inputs"] = time.monotonic()
    g: dict[str, Any] = {"__name__": "__submission__", "__builtins__": builtins,
                         "__file__": SUBMISSION_FILENAME}
    # The sandbox is complete: say so before any submission code runs (assemble.py reads
    # exit codes and frames as the submission's only after this marker).
    _send({"event": "sandboxed"})
    try:
        code = compile(job["code"], SUBMISSION_FILENAME, "exec", dont_inherit=True)
        exec(code, g)  # noqa: S102 - the sandboxed submission
    except BaseException as exc:  # noqa: BLE001
        _send({"event": "import_error", "exc": _exc_info(exc)})
        return
    _send({"event": "loaded"})
    TRACE["loaded"] = time.monotonic()
    fn = g.get(entry)
    if fn is None:
        _send({"event": "invalid", "kind": "missing_entry",
               "names": sorted(k for k in g if not k.startswith("__"))[:30]})
        return
    if not callable(fn):
        _send({"event": "invalid", "kind": "not_callable", "type": type(fn).__name__[:80]})
        return
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        sig = None
    if sig is not None:
        for m in mats:
            call = dict(m.inputs)
            for k in m.per_step:
                call[k] = None
            pos = [call[a] for a in m.args if a in call]
            kw = {a: v for a, v in call.items() if a not in m.args}
            try:
                sig.bind(*pos, **kw)
            except TypeError as exc:
                _send({"event": "invalid", "kind": "signature", "theirs": f"{entry}{sig}"[:300],
                       "problem": str(exc)[:300], "check": m.name})
                return
    for m in mats:
        _send({"event": "start", "name": m.name})
        try:
            records = runner.run(fn, m)
        except runner.CallError as e:
            _send({"event": "check", "name": m.name, "status": "error", "step": e.step,
                   "exc": _exc_info(e.exc)})
            continue
        except runner.InvalidOutput as e:
            _send({"event": "check", "name": m.name, "status": "invalid", "step": e.step,
                   "kind": e.kind, **{k: v for k, v in e.info.items()
                                      if isinstance(v, (str, int, float))}})
            continue
        except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while snapshotting
            _send({"event": "check", "name": m.name, "status": "error", "step": None,
                   "exc": _exc_info(exc)})
            continue
        meta, blob = _encode_records(records)
        _send({"event": "check", "name": m.name, "status": "ok", **meta}, blob)
    TRACE["ran"] = time.monotonic()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    _send({"event": "trace", "t": TRACE})
    _send({"event": "done"})


def standby(fds: dict[str, int], cfg: dict, warm: Any = None) -> None:
    """Entry point after fork; never returns.

    The child locks itself down and warms its pages *before* any job exists, then blocks
    on the job pipe.  When the job arrives it applies the limits, arms the banned-API
    guards and runs the submission, so the fork and the sandbox setup are off the
    critical path."""
    code = 0
    try:
        try:
            lockdown(fds, cfg)
        except BaseException as exc:  # noqa: BLE001
            os.write(2, f"sandbox setup failed: {exc!r}\n".encode())
            os._exit(70)
        prearm = cfg.get("prearm")
        if prearm is not None:
            # The fork server expects the same exercise again: arm its bans now.
            guards.arm(prearm[0], prearm[1], device_type=torch.device(cfg["device"]).type)
        if warm is not None:
            # Warm up while no job is waiting; stop as soon as one is.
            for _ in range(3):
                if select.select([JOB_FD], [], [], 0)[0]:
                    break
                try:
                    warm()
                except BaseException:  # noqa: BLE001 - only a warm-up
                    break
        try:
            job, blob = protocol.read_frame(JOB_FD)
        except (EOFError, OSError, protocol.ProtocolError):
            os._exit(0)
        TRACE["job"] = time.monotonic()
        os.close(JOB_FD)
        apply_limits(job["limits"], cfg)
        bans = (list(job["bans"].get("paths", ())), list(job["bans"].get("ops", ())))
        if prearm is None:
            guards.arm(bans[0], bans[1], device_type=torch.device(cfg["device"]).type)
        elif [list(prearm[0]), list(prearm[1])] != [bans[0], bans[1]]:
            os.write(2, b"sandbox setup failed: armed for another exercise\n")
            os._exit(70)
        TRACE["armed"] = time.monotonic()
        run_submission(job, blob, cfg["device"])
    except BaseException:  # noqa: BLE001 - never let an exception unwind into the fork server
        code = 71
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)
