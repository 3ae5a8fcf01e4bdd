"""The grader's process contract, as types: what the client, the worker, the fork server
and the sandboxed child say to each other, and how each is configured.

Every message is JSON on the wire (``protocol`` frames).  ``protocol``, ``frames`` and the
``from_json``/``to_json`` methods here are the only places that read or write those
dictionaries; everything inside the grader works with the frozen dataclasses and enums
below.  Decoding from the client or the worker (trusted) is lenient, as it always was:
a missing field takes its default.  What a *child* writes is untrusted and is validated by
``frames.check_frame`` before ``frames.decode_event`` makes it one of the event types.

This module imports neither torch nor textual (the client and the CLI import it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum
from typing import TYPE_CHECKING, TypeAlias

from studyapp.jsontypes import JsonObject as JsonObject
from studyapp.jsontypes import JsonValue as JsonValue

if TYPE_CHECKING:
    from .compare import Mismatch

# The child's file descriptors after ``child.lockdown``: 0 /dev/null, 1-2 capped output
# files, then these.  The guards' reporter writes its ``forbidden`` frame to RESULT_FD too.
RESULT_FD = 3
RULESET_FD = 4
JOB_FD = 5

# The wire's values are JSON documents (``studyapp.jsontypes``, re-exported here).  Every frame
# is a ``JsonObject``; a value read from one is narrowed with ``isinstance`` where it is used,
# so a forged frame fails as a wrong type there and not deeper.
JSON: TypeAlias = JsonValue  # a value read from a frame (the older name, used below)


class ExitCode(IntEnum):
    """The child's exit codes that carry a meaning.  None of them is trusted on its own:
    the submission can exit with any code (``assemble.classify_end`` reads the frames)."""

    OK = 0
    SANDBOX_SETUP_FAILED = 70  # lockdown or arming failed: the grader's failure
    CHILD_RAISED = 71  # the child's own code raised past the submission's handlers
    STANDBY_RETURNED = 72  # ``child.standby`` returned to the fork server (it never should)
    FORBIDDEN = 86  # a tripwire fired (``guards.FORBIDDEN_EXIT``), after its frame


class Op(StrEnum):
    """What the client asks the worker (``worker.Worker.handle``)."""

    GRADE = "grade"
    CANCEL = "cancel"
    DESCRIBE = "describe"
    WARM = "warm"
    PING = "ping"
    QUIT = "quit"


def _seed(v: JSON) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


@dataclass(frozen=True)
class Request:
    """One client request to the worker (``worker.Worker.handle``)."""

    op: str  # an ``Op``, or anything else (answered with a usage error)
    id: JSON = None
    exercise: str = ""
    code: str = ""
    variant_seed: int | None = None  # ``seed`` in a describe request
    filename: str = "submission.py"

    @classmethod
    def from_json(cls, obj: Mapping[str, JSON]) -> Request:
        op = obj.get("op")
        code = obj.get("code", "")
        seed = obj.get("seed") if op == Op.DESCRIBE else obj.get("variant_seed")
        return cls(op=str(op), id=obj.get("id"), exercise=str(obj.get("exercise")),
                   code=code if isinstance(code, str) else "", variant_seed=_seed(seed),
                   filename=str(obj.get("filename") or "submission.py"))


class Reply(StrEnum):
    """What the worker answers the client."""

    READY = "ready"
    VERDICT = "verdict"
    DESCRIBED = "described"
    WARMED = "warmed"
    PONG = "pong"
    CANCELLED = "cancelled"
    ERROR = "error"


class ForkOp(StrEnum):
    """What the worker asks the fork server, and its replies."""

    RUN = "run"
    CANCEL = "cancel"
    PREPARE = "prepare"
    PREARM = "prearm"
    HELLO = "hello"
    QUIT = "quit"
    UP = "up"
    RESULT = "result"
    PREPARED = "prepared"
    PREARMED = "prearmed"


class KilledBy(StrEnum):
    """Why the fork server killed a child."""

    TIMEOUT = "timeout"
    CANCEL = "cancel"
    STREAM_LIMIT = "stream_limit"


class RunEnd(Enum):
    """How a run ended, as ``assemble.classify_end`` reads the fork server's reply and the
    child's (validated) frames; in priority order."""

    CANCELLED = "cancelled"
    SANDBOX_FAILED = "sandbox_failed"  # no sandbox marker and no stream: the grader's fault
    UNMARKED = "unmarked"  # a stream that does not start with the sandbox's marker
    FORBIDDEN = "forbidden"
    TIMEOUT = "timeout"
    OUTPUT_LIMIT = "output_limit"
    STREAM_LIMIT = "stream_limit"
    OUT_OF_MEMORY = "out_of_memory"
    CRASHED = "crashed"
    BAD_STREAM = "bad_stream"
    LOAD_ERROR = "load_error"
    INVALID = "invalid"
    INCOMPLETE = "incomplete"
    EXITED_EARLY = "exited_early"
    COMPLETED = "completed"  # every check reported: the tests decide


# -- configuration ------------------------------------------------------------------------


def _int(v: JSON, default: int) -> int:
    return int(v) if isinstance(v, (int, float, str)) and not isinstance(v, bool) else default


def _float(v: JSON, default: float) -> float:
    return float(v) if isinstance(v, (int, float, str)) and not isinstance(v, bool) else default


def _obj(v: JSON) -> Mapping[str, JSON]:
    return v if isinstance(v, Mapping) else {}


@dataclass(frozen=True)
class Limits:
    """Per-run resource limits (``GraderClient(limits=...)`` overrides any of them)."""

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 1024
    fsize_bytes: int = 4 << 20
    nproc: int = 64
    nofile: int = 64

    @classmethod
    def from_json(cls, obj: JSON, base: Limits | None = None) -> Limits:
        """``base`` with the fields ``obj`` names (unknown names are ignored)."""
        base = base or cls()
        given = _obj(obj)
        return cls(wall_s=_float(given.get("wall_s"), base.wall_s),
                   cpu_s=_int(given.get("cpu_s"), base.cpu_s),
                   memory_mb=_int(given.get("memory_mb"), base.memory_mb),
                   fsize_bytes=_int(given.get("fsize_bytes"), base.fsize_bytes),
                   nproc=_int(given.get("nproc"), base.nproc),
                   nofile=_int(given.get("nofile"), base.nofile))

    def to_json(self) -> JsonObject:
        return dataclasses.asdict(self)

    def at_least(self, timeout_s: float | None) -> Limits:
        """Wall and CPU limits raised to an exercise's own ``timeout_s``."""
        if not timeout_s:
            return self
        return dataclasses.replace(self, wall_s=max(self.wall_s, timeout_s),
                                   cpu_s=max(self.cpu_s, int(timeout_s)))

    def capped(self, seconds: float) -> Limits:
        """Wall and CPU limits lowered to ``seconds`` (the sensitivity re-run)."""
        return dataclasses.replace(self, wall_s=min(self.wall_s, seconds),
                                   cpu_s=min(self.cpu_s, int(seconds)))


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SandboxOptions:
    """``GraderClient(sandbox=...)``: which layers to try (all of them by default)."""

    uid: int | None = None  # the uid children drop to (default: worker.SANDBOX_UID)
    gid: int | None = None
    landlock: bool = True
    seccomp: bool = True
    namespaces: bool = True
    userns: bool = False  # force the unprivileged user-namespace fallback
    memory_mode: str = "auto"  # auto | cgroup | rlimit

    @classmethod
    def from_json(cls, obj: JSON) -> SandboxOptions:
        given = _obj(obj)
        uid, gid = given.get("uid"), given.get("gid")
        return cls(uid=uid if isinstance(uid, int) else None,
                   gid=gid if isinstance(gid, int) else None,
                   landlock=bool(given.get("landlock", True)),
                   seccomp=bool(given.get("seccomp", True)),
                   namespaces=bool(given.get("namespaces", True)),
                   userns=bool(given.get("userns", False)),
                   memory_mode=str(given.get("memory_mode", "auto")))


@dataclass(frozen=True)
class WorkerConfig:
    """The worker's command-line argument (JSON), written by ``GraderClient.start``."""

    roots: tuple[str, ...] | None = None
    device: str = "cpu"  # cpu | cuda | auto
    limits: Limits = DEFAULT_LIMITS
    sandbox: SandboxOptions = field(default_factory=SandboxOptions)

    @classmethod
    def from_json(cls, obj: JSON) -> WorkerConfig:
        given = _obj(obj)
        roots = given.get("roots")
        return cls(roots=tuple(str(r) for r in roots) if isinstance(roots, list) and roots
                   else None,
                   device=str(given.get("device", "cpu")),
                   limits=Limits.from_json(given.get("limits")),
                   sandbox=SandboxOptions.from_json(given.get("sandbox")))


@dataclass(frozen=True)
class ForkServerConfig:
    """What the worker tells the fork server it forks (passed in memory, never sent)."""

    jail_root: str
    cgroup_name: str
    drop_uid: int | None = None
    drop_gid: int | None = None
    landlock: bool = True
    seccomp: bool = True
    device: str = "cpu"  # cpu | cuda (never auto here)
    memory_mode: str = "rlimit"  # cgroup | rlimit
    memory_mb: int = 1024
    layers: tuple[str, ...] = ()  # the layers the worker already applied
    hide: tuple[str, ...] = ()  # content roots to cover with an empty tmpfs


@dataclass(frozen=True)
class ChildConfig:
    """What one sandboxed child needs to lock itself down (set before its fork)."""

    jail: str
    device: str
    vm_base: int  # the fork server's address-space size: the AS limit is added to it
    memory_mode: str  # cgroup | rlimit | none
    drop_uid: int | None = None
    drop_gid: int | None = None
    seccomp: bytes | None = None  # the BPF program, None without the layer
    cgroup_procs: str | None = None  # the memory cgroup's ``cgroup.procs`` to join
    prearm: Bans | None = None  # armed for these bans before the job arrives


@dataclass(frozen=True)
class ChildFds:
    """The fork server's descriptors a child moves into place (see ``RESULT_FD``)."""

    devnull: int
    stdout: int
    stderr: int
    result: int
    job: int
    ruleset: int = -1


# -- jobs and results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Bans:
    """An exercise's banned Python paths and ATen operators (hashable: a standby child is
    armed for one ``Bans`` and reused only for the same)."""

    paths: tuple[str, ...] = ()
    ops: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, obj: JSON) -> Bans:
        given = _obj(obj)
        paths, ops = given.get("paths", ()), given.get("ops", ())
        return cls(tuple(paths) if isinstance(paths, (list, tuple)) else (),
                   tuple(ops) if isinstance(ops, (list, tuple)) else ())

    def to_json(self) -> JsonObject:
        return {"paths": list(self.paths), "ops": list(self.ops)}


@dataclass(frozen=True)
class Job:
    """One run: the submission, its plan (inputs only) and its limits.  The plan stays
    JSON (``runner.Materialized`` decodes each check); the worker splices its cached text
    into the frame (``protocol.encode_job``)."""

    id: JSON
    code: str
    entry: str
    bans: Bans
    limits: Limits
    device: str
    plan: Mapping[str, JSON] = field(default_factory=dict)

    def head_json(self) -> JsonObject:
        """Every field but the plan."""
        return {"op": ForkOp.RUN.value, "job": self.id, "code": self.code, "entry": self.entry,
                "bans": self.bans.to_json(), "limits": self.limits.to_json(),
                "device": self.device}

    @classmethod
    def from_json(cls, obj: Mapping[str, JSON]) -> Job:
        plan = obj.get("plan")
        return cls(id=obj.get("job"), code=str(obj.get("code", "")),
                   entry=str(obj.get("entry", "")), bans=Bans.from_json(obj.get("bans")),
                   limits=Limits.from_json(obj.get("limits")),
                   device=str(obj.get("device", "cpu")),
                   plan=plan if isinstance(plan, Mapping) else {})

    def checks(self) -> list[Mapping[str, JSON]]:
        checks = self.plan.get("checks")
        return [c for c in checks if isinstance(c, Mapping)] if isinstance(checks, list) else []


@dataclass(frozen=True)
class RunResult:
    """The fork server's report on one run (``frames.check_result`` validates it)."""

    exit_code: int | None = None
    signal: int | None = None
    killed_by: KilledBy | None = None
    finished: bool = False  # the child's final frame arrived
    cpu_s: float | None = None
    maxrss_kb: int | None = None
    wall_s: float | None = None
    stdout: str = ""  # the heads of the capped output files
    stdout_size: int = 0
    stderr: str = ""
    stderr_size: int = 0
    max_file_size: int = 0  # the largest file in the jail
    stream_truncated: bool = False
    oom_kills: int = 0
    fsize_limit: int = 4 << 20
    t_sent: float | None = None  # when the fork server handed the job over (monotonic)
    job: JSON = None

    def to_json(self) -> JsonObject:
        out = dataclasses.asdict(self)
        out["killed_by"] = self.killed_by.value if self.killed_by else None
        out["op"] = ForkOp.RESULT.value
        return out


@dataclass(frozen=True)
class CheckOutcome:
    """One check compared on the trusted side (``assemble.evaluate``)."""

    status: str  # passed | failed | invalid
    message: str = ""
    mismatch: Mismatch | None = None
    kind: str | None = None  # why it failed: invalid | same | compare | verify
    slot: str = ""

    @property
    def compared(self) -> bool:
        """Passed or failed (not a contract violation)."""
        return self.status in ("passed", "failed")


# -- the child's event frames ----------------------------------------------------------------


class Event(StrEnum):
    SANDBOXED = "sandboxed"  # first, written by the sandbox before any submission code
    LOADED = "loaded"
    START = "start"
    CHECK = "check"
    IMPORT_ERROR = "import_error"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"  # written by the guards' reporter (guards.py), never here
    TRACE = "trace"
    DONE = "done"


@dataclass(frozen=True)
class ExcInfo:
    """An exception the submission raised, as the child reports it."""

    type: str
    message: str = ""
    frames: tuple[tuple[int, str], ...] = ()  # (line, function) in the submission
    memory: bool = False  # looks like running out of memory
    system_exit: bool = False

    def to_json(self) -> JsonObject:
        return {"type": self.type, "message": self.message,
                "frames": [list(f) for f in self.frames], "memory": self.memory,
                "system_exit": self.system_exit}

    @classmethod
    def from_json(cls, obj: JSON) -> ExcInfo:
        given = _obj(obj)
        raw = given.get("frames")
        frames = tuple((int(f[0]), str(f[1])) for f in raw) if isinstance(raw, list) else ()
        return cls(type=str(given.get("type", "Exception")),
                   message=str(given.get("message", "")), frames=frames,
                   memory=given.get("memory") is True,
                   system_exit=given.get("system_exit") is True)


_INVALID_FIELDS = ("slot", "type", "device", "expected", "got", "theirs", "problem", "names",
                   "check")


@dataclass(frozen=True)
class InvalidInfo:
    """Why the submission broke the contract (``kind``), with the details the message
    needs; details are JSON scalars from the untrusted child, formatted with ``str``."""

    kind: str
    step: int | None = None
    details: Mapping[str, JSON] = field(default_factory=dict)

    def detail(self, name: str, default: JSON = "") -> JSON:
        return self.details.get(name, default)

    def to_json(self) -> JsonObject:
        out: JsonObject = {"kind": self.kind, **self.details}
        if self.step is not None:
            out["step"] = self.step
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, JSON]) -> InvalidInfo:
        step = obj.get("step")
        return cls(kind=str(obj.get("kind")),
                   step=step if isinstance(step, int) and not isinstance(step, bool) else None,
                   details={k: obj[k] for k in _INVALID_FIELDS if k in obj})


@dataclass(frozen=True)
class Marker:
    """An event without fields: sandboxed, loaded, done."""

    event: Event


@dataclass(frozen=True)
class Started:
    name: str


@dataclass(frozen=True)
class CheckRan:
    """A check's raw outputs: ``slots`` maps each slot to wire tensor metadata (into the
    frame's blob, decoded by ``wire``), ``same`` to per-step identity flags."""

    name: str
    slots: Mapping[str, JSON]
    same: Mapping[str, list[bool]]


@dataclass(frozen=True)
class CheckRaised:
    name: str
    step: int | None
    exc: ExcInfo


@dataclass(frozen=True)
class CheckInvalid:
    name: str
    info: InvalidInfo


@dataclass(frozen=True)
class LoadFailed:
    """The submission raised (or exited) while its module ran."""

    exc: ExcInfo


@dataclass(frozen=True)
class ContractBroken:
    """No function to call, or one that cannot be called as the exercise calls it."""

    info: InvalidInfo


@dataclass(frozen=True)
class Forbidden:
    what: str


@dataclass(frozen=True)
class Trace:
    """The child's phase timestamps (informative only)."""

    t: Mapping[str, float]


ChildEvent = (Marker | Started | CheckRan | CheckRaised | CheckInvalid | LoadFailed
              | ContractBroken | Forbidden | Trace)


def event_json(ev: ChildEvent) -> JsonObject:
    """The frame the real child writes for ``ev`` (``frames.decode_event`` reverses it)."""
    if isinstance(ev, Marker):
        return {"event": ev.event.value}
    if isinstance(ev, Started):
        return {"event": Event.START.value, "name": ev.name}
    if isinstance(ev, CheckRan):
        return {"event": Event.CHECK.value, "name": ev.name, "status": "ok",
                "slots": dict(ev.slots), "same": dict(ev.same)}
    if isinstance(ev, CheckRaised):
        return {"event": Event.CHECK.value, "name": ev.name, "status": "error",
                "step": ev.step, "exc": ev.exc.to_json()}
    if isinstance(ev, CheckInvalid):
        return {"event": Event.CHECK.value, "name": ev.name, "status": "invalid",
                **ev.info.to_json()}
    if isinstance(ev, LoadFailed):
        return {"event": Event.IMPORT_ERROR.value, "exc": ev.exc.to_json()}
    if isinstance(ev, ContractBroken):
        return {"event": Event.INVALID.value, **ev.info.to_json()}
    if isinstance(ev, Forbidden):
        return {"event": Event.FORBIDDEN.value, "what": ev.what}
    return {"event": Event.TRACE.value, "t": dict(ev.t)}
