"""The sandboxed child: forked from the fork server for one submission, never trusted.

It locks itself down (``lockdown``), runs the submission on the inputs it was sent, and
writes raw outputs to the result pipe (``contract.RESULT_FD``) as the event frames of
``contract`` (``ChildEvent``)::

    Marker(sandboxed)            first, before any submission code
    Started(name)                before each check
    CheckRan / CheckRaised / CheckInvalid      one per check
    LoadFailed / ContractBroken  the module raised / the entry cannot be called
    Forbidden(what)              (from a tripwire in guards.py, then exit 86; the exit
                                 code alone means nothing)
    Trace, Marker(done)

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
from collections.abc import Callable
from typing import Any

import torch

from . import cgroup, guards, protocol, runner, sandbox, wire
from .contract import (
    JOB_FD,
    JSON,
    RESULT_FD,
    RULESET_FD,
    Bans,
    CheckInvalid,
    CheckRaised,
    CheckRan,
    ChildConfig,
    ChildEvent,
    ChildFds,
    ContractBroken,
    Event,
    ExcInfo,
    ExitCode,
    InvalidInfo,
    Job,
    Limits,
    LoadFailed,
    Marker,
    Started,
    Trace,
)

# monotonic timestamps of the child's phases, reported (untrusted, informative only)
TRACE: dict[str, float] = {}
SUBMISSION_FILENAME = "<submission>"
_MEMORY_MARKERS = ("can't allocate memory", "DefaultCPUAllocator", "out of memory",
                   "OutOfMemoryError", "Cannot allocate memory")


class SandboxSetupError(Exception):
    """The sandbox could not be completed: the grader's failure, not the submission's."""


def _send(event: ChildEvent, blob: bytes = b"") -> None:
    protocol.write_all(RESULT_FD, protocol.encode_event(event, blob))


def _move_fds(fds: ChildFds) -> bool:
    """Put the descriptors in their fixed places; True when a Landlock ruleset came."""
    # Move every source fd out of the way first, so no dup2 below clobbers another source.
    sources = [(fds.devnull, 0), (fds.stdout, 1), (fds.stderr, 2), (fds.result, RESULT_FD),
               (fds.job, JOB_FD), (fds.ruleset, RULESET_FD)]
    moved = [(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 512), target)
             for fd, target in sources if fd >= 0]
    for fd, target in moved:
        os.dup2(fd, target)
    os.closerange(JOB_FD + 1, 65536)
    if fds.ruleset < 0:
        try:
            os.close(RULESET_FD)
        except OSError:
            pass  # nothing was there
    for fd in (0, 1, 2):
        os.set_inheritable(fd, True)
    return fds.ruleset >= 0


def _enter_jail(jail: str) -> None:
    os.chdir(jail)
    os.environ.clear()
    os.environ.update({"HOME": jail, "TMPDIR": jail, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                       "PYTHONDONTWRITEBYTECODE": "1"})


def _init_cuda() -> None:
    torch.cuda.init()  # type: ignore[no-untyped-call]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.empty(1, device="cuda")


def lockdown(fds: ChildFds, config: ChildConfig) -> None:
    """Apply the OS layers that do not depend on the job, in an order where each step
    still has the rights it needs.  Limits come later (``apply_limits``)."""
    os.setsid()
    for sig in (signal.SIGXFSZ, signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1,
                signal.SIGUSR2, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    has_ruleset = _move_fds(fds)
    _enter_jail(config.jail)
    if config.cgroup_procs and (config.device == "cuda" or config.memory_mode == "cgroup"):
        cgroup.enter(config.cgroup_procs)
    if config.device == "cuda":
        _init_cuda()
    sandbox.set_no_new_privs()
    if has_ruleset:
        sandbox.landlock_restrict(RULESET_FD)
        os.close(RULESET_FD)
    if config.drop_uid is not None:
        sandbox.drop_privileges(config.drop_uid, config.drop_gid
                                if config.drop_gid is not None else config.drop_uid)
    sandbox.drop_capabilities()
    sandbox.set_pdeathsig(signal.SIGKILL)
    if config.seccomp:
        sandbox.install_seccomp(config.seccomp)


def apply_limits(limits: Limits, config: ChildConfig) -> None:
    """rlimits for this job (only ever lowered, so no privilege is needed)."""
    as_bytes = None
    if config.memory_mode == "rlimit":
        as_bytes = config.vm_base + limits.memory_mb * (1 << 20)
    cuda = config.device == "cuda"  # the driver keeps more threads and files open
    sandbox.set_rlimits(cpu_s=limits.cpu_s, as_bytes=as_bytes, fsize_bytes=limits.fsize_bytes,
                        nproc=max(limits.nproc, 256 if cuda else 0),
                        nofile=max(limits.nofile, 1024 if cuda else 0))


def exc_info(exc: BaseException) -> ExcInfo:
    try:
        msg = str(exc)
    except BaseException:  # noqa: BLE001 - a hostile __str__
        msg = "<unprintable exception>"
    t = type(exc)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    frames: list[tuple[int, str]] = []
    try:
        for fr in traceback.extract_tb(exc.__traceback__):
            if fr.filename == SUBMISSION_FILENAME:
                frames.append((fr.lineno or 0, fr.name))
    except BaseException:  # noqa: BLE001 - a traceback is a courtesy
        pass
    memory = isinstance(exc, MemoryError) or any(m in msg for m in _MEMORY_MARKERS)
    return ExcInfo(name[:120], msg[:4000], tuple(frames[-20:]), memory,
                   isinstance(exc, SystemExit))


def _slot_meta(ts: list[torch.Tensor], blob: wire.BlobWriter) -> dict[str, JSON] | None:
    """One slot's steps stacked into one tensor (as far as they agree on dtype and shape)."""
    if not ts:
        return None
    first = ts[0]
    j = next((i for i, t in enumerate(ts) if t.dtype != first.dtype or t.shape != first.shape),
             len(ts))
    if first.dtype not in wire.DTYPE_NAMES:
        return {"bad_dtype": str(first.dtype)[:40]}
    meta: dict[str, JSON] = dict(wire.encode_tensor(torch.stack(ts[:j]), blob))
    if j < len(ts):
        meta["varies"] = {"step": j, "dtype": str(ts[j].dtype).removeprefix("torch."),
                          "shape": list(ts[j].shape)}
    return meta


def encode_records(records: runner.Records
                   ) -> tuple[dict[str, dict[str, JSON] | None], dict[str, list[bool]], bytes]:
    """(slot metadata, identity flags, blob) of one check's outputs."""
    blob = wire.BlobWriter()
    slots = {slot: _slot_meta(ts, blob) for slot, ts in records["slots"].items()}
    return slots, records["same"], blob.getvalue()


def _contract_problem(fn: object, entry: str, g: dict[str, Any],
                      mats: list[runner.Materialized]) -> InvalidInfo | None:
    """Why ``fn`` cannot be called the way every check calls it (None: it can)."""
    if fn is None:
        return InvalidInfo("missing_entry", details={
            "names": sorted(k for k in g if not k.startswith("__"))[:30]})
    if not callable(fn):
        return InvalidInfo("not_callable", details={"type": type(fn).__name__[:80]})
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None  # a builtin or an odd callable: its calls will tell
    for m in mats:
        call = dict(m.inputs)
        for k in m.per_step:
            call[k] = None
        pos = [call[a] for a in m.args if a in call]
        kw = {a: v for a, v in call.items() if a not in m.args}
        try:
            sig.bind(*pos, **kw)
        except TypeError as exc:
            return InvalidInfo("signature", details={
                "theirs": f"{entry}{sig}"[:300], "problem": str(exc)[:300], "check": m.name})
    return None


def _run_check(fn: Any, m: runner.Materialized) -> None:
    _send(Started(m.name))
    try:
        records = runner.run(fn, m)
    except runner.CallError as e:
        _send(CheckRaised(m.name, e.step, exc_info(e.exc)))
        return
    except runner.InvalidOutput as e:
        details = {k: v for k, v in e.info.items() if isinstance(v, (str, int, float))}
        _send(CheckInvalid(m.name, InvalidInfo(e.kind, e.step, details)))
        return
    except BaseException as exc:  # noqa: BLE001 - e.g. MemoryError while snapshotting
        _send(CheckRaised(m.name, None, exc_info(exc)))
        return
    slots, same, blob = encode_records(records)
    _send(CheckRan(m.name, slots, same), blob)


def _load(code: str) -> dict[str, Any] | None:
    """Run the submission's module; None (after reporting) when it raised or exited."""
    g: dict[str, Any] = {"__name__": "__submission__", "__builtins__": builtins,
                         "__file__": SUBMISSION_FILENAME}
    try:
        compiled = compile(code, SUBMISSION_FILENAME, "exec", dont_inherit=True)
        exec(compiled, g)  # noqa: S102 - the sandboxed submission
    except BaseException as exc:  # noqa: BLE001
        _send(LoadFailed(exc_info(exc)))
        return None
    _send(Marker(Event.LOADED))
    return g


def run_submission(job: Job, plan_blob: bytes, device: str) -> None:
    """Compile, load and run the submission on every check; stream the raw outputs."""
    sys.stdout = open(1, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, errors="replace")  # noqa: SIM115
    # Inputs are decoded before the learner's code runs, from bytes it never sees again.
    mats = [runner.Materialized(c, plan_blob, device) for c in job.checks()]
    del plan_blob
    TRACE["inputs"] = time.monotonic()
    # The sandbox is complete: say so before any submission code runs (assemble.py reads
    # exit codes and frames as the submission's only after this marker).
    _send(Marker(Event.SANDBOXED))
    g = _load(job.code)
    if g is None:
        return
    TRACE["loaded"] = time.monotonic()
    fn = g.get(job.entry)
    problem = _contract_problem(fn, job.entry, g, mats)
    if problem is not None:
        _send(ContractBroken(problem))
        return
    for m in mats:
        _run_check(fn, m)  # (callable: _contract_problem said so)
    TRACE["ran"] = time.monotonic()
    _flush()
    _send(Trace(dict(TRACE)))
    _send(Marker(Event.DONE))


def _flush() -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - a closed or patched stream: nothing to save
        pass


def _arm(bans: Bans, device: str) -> None:
    guards.arm(bans.paths, bans.ops, device_type=torch.device(device).type)


def _wait_for_job(warm: Callable[[], None] | None) -> tuple[Job, bytes]:
    """Warm up while no job is waiting (stop as soon as one is), then read it."""
    if warm is not None:
        for _ in range(3):
            if select.select([JOB_FD], [], [], 0)[0]:
                break
            try:
                warm()
            except BaseException:  # noqa: BLE001 - only a warm-up
                break
    try:
        msg, blob = protocol.read_frame(JOB_FD)
    except (EOFError, OSError, protocol.ProtocolError):
        os._exit(ExitCode.OK)  # discarded before a job came
    return Job.from_json(msg), blob


def _prepare(fds: ChildFds, config: ChildConfig,
             warm: Callable[[], None] | None) -> tuple[Job, bytes]:
    """Lock down, arm, wait for the job, apply its limits.  Raises SandboxSetupError."""
    try:
        lockdown(fds, config)
    except BaseException as exc:  # noqa: BLE001
        raise SandboxSetupError(repr(exc)) from exc
    if config.prearm is not None:
        # The fork server expects the same exercise again: arm its bans now.
        _arm(config.prearm, config.device)
    job, blob = _wait_for_job(warm)
    TRACE["job"] = time.monotonic()
    os.close(JOB_FD)
    apply_limits(job.limits, config)
    if config.prearm is None:
        _arm(job.bans, config.device)
    elif config.prearm != job.bans:
        raise SandboxSetupError("armed for another exercise")
    TRACE["armed"] = time.monotonic()
    return job, blob


def standby(fds: ChildFds, config: ChildConfig, warm: Callable[[], None] | None = None
            ) -> None:
    """Entry point after fork; never returns.

    The child locks itself down and warms its pages *before* any job exists, then blocks
    on the job pipe.  When the job arrives it applies the limits, arms the banned-API
    guards and runs the submission, so the fork and the sandbox setup are off the
    critical path.  A failure of the sandbox itself exits ``SANDBOX_SETUP_FAILED`` before
    the sandboxed marker, so it is never mistaken for the submission's."""
    code = ExitCode.OK
    try:
        try:
            job, blob = _prepare(fds, config, warm)
        except SandboxSetupError as exc:
            os.write(2, f"sandbox setup failed: {exc}\n".encode())
            os._exit(ExitCode.SANDBOX_SETUP_FAILED)
        run_submission(job, blob, config.device)
    except BaseException:  # noqa: BLE001 - never let an exception unwind into the fork server
        code = ExitCode.CHILD_RAISED
    finally:
        _flush()
        os._exit(code)
