"""The fork server: a torch-warm process that forks one sandboxed child per submission.

It is forked from the worker right after torch is imported and *before* any exercise,
reference or expected value is loaded, so nothing a child inherits is secret.  When the
worker could create a pid namespace this process is pid 1 there: every process a
submission starts lands in that namespace and one ``kill(-1, SIGKILL)`` after each run
removes them all.  It never initializes CUDA (a child does, after the fork).

``ForkServer.setup`` reads like nsjail's ``containProc``: a list of small named steps,
each adding the layer it applied to ``layers`` or saying on stderr why it could not
(``not_applied``).  A layer that is missing is never a reason not to grade.
"""

from __future__ import annotations

import inspect
import os
import select
import shutil
import signal
import struct
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from . import cgroup, child, guards, protocol, runner, sandbox, wire
from .contract import (
    JSON,
    Bans,
    ChildConfig,
    ChildFds,
    Event,
    ExitCode,
    ForkOp,
    ForkServerConfig,
    Job,
    JsonObject,
    KilledBy,
    Marker,
    RunResult,
)

STREAM_CAP = 64 << 20
HEAD_BYTES = 8192

PRELOAD = (
    "math", "cmath", "random", "functools", "itertools", "collections", "collections.abc",
    "operator", "typing", "dataclasses", "numbers", "statistics", "copy", "string", "re",
    "time", "os", "sys", "signal", "socket", "threading", "subprocess", "shutil",
    "faulthandler", "pathlib", "tempfile", "io", "json", "array", "struct", "heapq",
    "bisect", "enum", "abc", "contextlib", "warnings", "numpy", "torch.nn.functional",
    "torch.nn.init", "torch.optim", "traceback", "inspect", "multiprocessing",
    "encodings.idna", "encodings.ascii", "encodings.latin_1", "unicodedata", "stringprep",
    "selectors", "concurrent.futures", "queue", "pprint", "textwrap", "fractions", "decimal",
)
# Always on: applied by each child itself (child.lockdown, child.apply_limits, guards.arm).
CHILD_LAYERS = ("rlimits", "setsid", "capped-output", "audit-hook", "tripwires")
# What a child may read besides the stdlib: the installs it imports from.
READ_MODULES = ("torch", "numpy", "functorch", "torchgen", "typing_extensions", "sympy",
                "mpmath", "filelock", "networkx", "jinja2", "markupsafe", "fsspec")
CUDA_READ_PATHS = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/cuda", "/etc",
                   "/sys", "/proc/driver", "/opt")
DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full")


def _log(msg: str) -> None:
    try:
        os.write(2, f"[studyapp grader] fork server: {msg}\n".encode())
    except OSError:
        pass  # nobody to tell


def _read_head(path: str) -> tuple[str, int]:
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError:
        return "", 0
    return head.decode("utf-8", "replace"), size


def _max_file_size(root: str) -> int:
    biggest = 0
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            try:
                st = os.lstat(os.path.join(dirpath, f))
            except OSError:
                continue  # removed meanwhile
            biggest = max(biggest, st.st_size)
    return biggest


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass  # already closed


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass  # already gone


@dataclass
class Standby:
    """A child forked ahead of its job: locked down, armed for ``bans``, waiting on its
    job pipe (``job_w``; -1 once the job was written and the pipe closed)."""

    pid: int
    pidfd: int
    result_r: int
    job_w: int
    jail: str
    out_path: str
    err_path: str
    bans: Bans | None


@dataclass
class _Run:
    """What the fork server learns while a child runs (``ForkServer.run_job``)."""

    child: Standby
    deadline: float
    buf: bytearray = field(default_factory=bytearray)
    killed_by: KilledBy | None = None
    status: int | None = None
    rusage: Any = None  # resource.struct_rusage
    truncated: bool = False
    eof: bool = False
    done: bool = False  # the child's final frame arrived
    scanned: int = 0  # how far ``buf`` was walked for the final frame

    def kill(self, why: KilledBy) -> None:
        if self.killed_by is None:
            self.killed_by = why
            os.kill(self.child.pid, signal.SIGKILL)


class ForkServer:
    def __init__(self, sock: int, config: ForkServerConfig):
        self.sock = sock
        self.config = config
        self.jail_root = config.jail_root
        self.out_dir = os.path.join(self.jail_root, ".out")
        self.n = 0
        self.pid1 = os.getpid() == 1
        self.layers: list[str] = list(config.layers)
        self.not_applied: dict[str, str] = {}
        self.private_proc = False
        self.devnull = -1
        self.ruleset = -1
        self.seccomp: bytes | None = None
        self.memory_mode = config.memory_mode
        self.memory_cgroup: cgroup.MemoryCgroup | None = None
        self.standby: Standby | None = None

    # -- setup: one step per layer ---------------------------------------------------------
    def setup(self) -> None:
        for name, step in self.steps():
            try:
                step()
            except OSError as exc:
                self._skip(name, str(exc))

    def steps(self) -> list[tuple[str, Callable[[], None]]]:
        """The setup, in order (each step has the rights it needs when it runs)."""
        per_namespace = ([("private-proc", self._private_proc),
                          ("hidden-content", self._hide_content)] if self.pid1
                         else [("subreaper", self._subreaper)])
        return [("parent-death signal", self._die_with_worker),
                ("signals", self._signals),
                *per_namespace,
                ("not dumpable", self._not_dumpable),
                ("output folder", self._output_folder),
                ("uid", self._uid),
                ("landlock", self._landlock),
                ("seccomp", self._seccomp),
                ("child layers", self._child_layers),
                ("warm caches", self._warm_caches),
                ("memory-cgroup", self._memory_cgroup)]

    def _applied(self, layer: str) -> None:
        if layer not in self.layers:
            self.layers.append(layer)

    def _skip(self, layer: str, why: str) -> None:
        self.not_applied[layer] = why
        _log(f"no {layer}: {why}")

    def _die_with_worker(self) -> None:
        sandbox.set_pdeathsig(signal.SIGKILL)

    def _signals(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)

    def _private_proc(self) -> None:
        self._applied("pid-namespace")  # pid 1: the worker's unshare(CLONE_NEWPID) took
        sandbox.unshare(sandbox.CLONE_NEWNS)
        sandbox.make_mounts_private()
        sandbox.mount_proc("/proc")
        self.private_proc = True
        self._applied("private-proc")

    def _hide_content(self) -> None:
        """An empty tmpfs over each content root (references, checks, mutants)."""
        for root in self.config.hide:
            try:
                sandbox.mount("tmpfs", root, "tmpfs", sandbox.MS_NOSUID | sandbox.MS_NODEV,
                              "size=4k,mode=000")
                self._applied("hidden-content")
            except OSError as exc:
                self._skip(f"hidden-content ({root})", str(exc))

    def _subreaper(self) -> None:
        sandbox.set_child_subreaper()
        self._applied("subreaper")

    def _not_dumpable(self) -> None:
        sandbox.set_dumpable(False)

    def _output_folder(self) -> None:
        # mandatory: without it no child can run, so its failure is not an OSError here
        try:
            os.makedirs(self.out_dir, mode=0o700, exist_ok=True)
            os.chmod(self.out_dir, 0o700)
            self.devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        except OSError as exc:
            raise RuntimeError(f"cannot set up the output folder: {exc}") from exc

    def _uid(self) -> None:
        if self.config.drop_uid is None:
            self._skip("uid", "not root in the initial user namespace: nothing to drop to")
            return
        self._applied(f"uid-{self.config.drop_uid}")

    def _landlock(self) -> None:
        if not self.config.landlock:
            self._skip("landlock", "turned off (sandbox={'landlock': False})")
            return
        self.ruleset = sandbox.landlock_ruleset(
            self._read_paths(), [self.jail_root], [*DEVICE_FILES, *self._device_paths()])
        self._applied(f"landlock-abi{sandbox.landlock_abi()}")

    def _seccomp(self) -> None:
        if not self.config.seccomp:
            self._skip("seccomp", "turned off (sandbox={'seccomp': False})")
            return
        self.seccomp = sandbox.seccomp_program()
        if self.seccomp is None:
            self._skip("seccomp", f"no filter for {sandbox.ARCH}")
            return
        self._applied("seccomp")

    def _child_layers(self) -> None:
        for layer in CHILD_LAYERS:
            self._applied(layer)

    def _warm_caches(self) -> None:
        """Import and warm what every child needs, so each inherits it ready."""
        guards.preload_modules(PRELOAD)
        for n in range(8):
            guards._template(n)
        guards.reporter()
        for warm_up in (guards.warm_library, guards.warm_optimizers):
            try:
                warm_up()
            except Exception as exc:  # noqa: BLE001 - only a warm-up
                _log(f"{warm_up.__name__} failed (children warm up themselves): {exc!r}")
        self._warm()

    def _memory_cgroup(self) -> None:
        if self.memory_mode != "cgroup":
            return
        made, why_not = cgroup.create(self.config.cgroup_name, self.config.memory_mb << 20)
        self.memory_cgroup = made
        if made is not None:
            self._applied("memory-cgroup")
            return
        # no cgroup: an address-space limit on CPU, nothing on CUDA
        self.memory_mode = "rlimit" if self.config.device != "cuda" else "none"
        self._skip("memory-cgroup", "; ".join(why_not) or "no cgroup hierarchy")

    def _read_paths(self) -> list[str]:
        paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
        site = os.path.dirname(os.path.dirname(torch.__file__))
        for mod in READ_MODULES:
            m = sys.modules.get(mod)
            f = getattr(m, "__file__", None)
            if f:
                paths.add(os.path.dirname(f) if f.endswith("__init__.py") else f)
        for extra in ("torch.libs", "numpy.libs", "nvidia", "triton"):
            p = os.path.join(site, extra)
            if os.path.isdir(p):
                paths.add(p)
        if self.private_proc:
            paths.add("/proc")
        if self.config.device == "cuda":
            for p in CUDA_READ_PATHS:
                if os.path.exists(p):
                    paths.add(p)
        return sorted(paths)

    def _device_paths(self) -> list[str]:
        if self.config.device != "cuda":
            return []
        return [os.path.join("/dev", d) for d in os.listdir("/dev")
                if d.startswith("nvidia")] + (["/dev/dri"] if os.path.exists("/dev/dri") else [])

    def _warm(self) -> None:
        """Run the child's code paths here, so every child inherits warm caches."""
        blob = wire.BlobWriter()
        p = torch.randn(3, 4)
        plan: JsonObject = {"name": "warm", "steps": 2, "args": ["param", "grad", "m", "v", "t"],
                "inputs": {"param": wire.encode_value(p, blob),
                           "m": wire.encode_value(torch.zeros(3, 4), blob),
                           "v": wire.encode_value(torch.zeros(3, 4), blob),
                           "lr": {"py": 0.01}},
                "per_step": {"grad": wire.encode_value(torch.randn(2, 3, 4), blob),
                             "t": {"seq": [{"py": 1}, {"py": 2}]}},
                "layout": {"param": "transposed"},
                "returns": {"kind": "tuple", "names": ["new_param", "new_m", "new_v"]},
                "updates": [], "carry": {"param": "new_param", "m": "new_m", "v": "new_v"},
                "same": {}}
        src = ("import torch\n"
               "def f(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):\n"
               "    m = beta1 * m + (1 - beta1) * grad\n"
               "    v = beta2 * v + (1 - beta2) * grad * grad\n"
               "    mh = m / (1 - beta1 ** t)\n"
               "    vh = v / (1 - beta2 ** t)\n"
               "    return param - lr * mh / (vh.sqrt() + eps), m, v\n")
        g: dict[str, Any] = {"__name__": "__warm__"}
        exec(compile(src, child.SUBMISSION_FILENAME, "exec", dont_inherit=True), g)  # noqa: S102
        self._warm_args = (plan, blob.getvalue(), g["f"])
        for _ in range(3):
            self._warm_once()
        inspect.signature(g["f"]).bind(1, 2, 3, 4, 5, lr=0.1)

    def _warm_once(self) -> None:
        """One pass over the child's hot paths (a fresh child runs it while it waits, to
        take its copy-on-write page faults before the job arrives)."""
        plan, raw, fn = self._warm_args
        m = runner.Materialized(plan, raw, "cpu")
        rec = runner.run(fn, m)
        child.encode_records(rec)
        protocol.encode({"warm": 1}, b"x")

    def cuda_available(self) -> bool:
        """Probe CUDA in a throwaway child, so this process never initializes it."""
        if torch.version.cuda is None:
            return False
        pid = os.fork()
        if pid == 0:
            try:
                ok = torch.cuda.is_available() and torch.cuda.device_count() > 0
            except BaseException:  # noqa: BLE001
                ok = False
            os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    # -- serving ---------------------------------------------------------------------------
    def serve(self) -> None:
        while True:
            try:
                msg, blob, raw = protocol.read_frame_raw(self.sock)
            except (EOFError, OSError):
                os._exit(0)
            op = msg.get("op")
            if op == ForkOp.RUN:
                reply, stream, cleanup = self.run_job(Job.from_json(msg), raw)
                protocol.write_frame(self.sock, reply.to_json(), stream)
                cleanup()
                continue
            if op == ForkOp.QUIT:
                os._exit(0)
            self._answer(op, msg)
            if self.standby is None:
                self._spawn()

    def _answer(self, op: JSON, msg: dict[str, JSON]) -> None:
        """The operations other than a run (each answered with one frame)."""
        if op == ForkOp.PREPARE:
            paths = msg.get("paths")
            try:
                guards.prepare(paths if isinstance(paths, list) else [])
            except Exception as exc:  # noqa: BLE001 - each child finds its bans itself
                _log(f"preparing the banned APIs failed: {exc!r}")
            self._discard_standby()  # the next child inherits what was prepared
            self._spawn()
            protocol.write_frame(self.sock, {"op": ForkOp.PREPARED.value})
        elif op == ForkOp.PREARM:
            bans = Bans.from_json(msg.get("bans"))
            if self.standby is None or self.standby.bans != bans:
                self._discard_standby()
                self._spawn(bans)
            protocol.write_frame(self.sock, {"op": ForkOp.PREARMED.value})
        elif op == ForkOp.HELLO:
            info: dict[str, JSON] = {"op": ForkOp.HELLO.value, "layers": self.layers,
                                     "not_applied": self.not_applied, "pid1": self.pid1}
            if msg.get("probe_cuda"):
                info["cuda"] = self.cuda_available()
            protocol.write_frame(self.sock, info)

    def _sweep(self, pid: int) -> None:
        """Kill and reap everything the child started."""
        if self.pid1:
            sandbox.sweep_pid_namespace()
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass  # the group is gone already
        if self.config.drop_uid is not None:
            sandbox.sweep_uid(self.config.drop_uid)
        sandbox.kill_children()  # the subreaper inherited any orphans
        sandbox.reap_all(1.0)

    def _child_config(self, jail: str, bans: Bans | None) -> ChildConfig:
        return ChildConfig(
            jail=jail, device=self.config.device, vm_base=sandbox.vm_size_bytes(),
            memory_mode=self.memory_mode, drop_uid=self.config.drop_uid,
            drop_gid=self.config.drop_gid, seccomp=self.seccomp, prearm=bans,
            cgroup_procs=self.memory_cgroup.procs if self.memory_cgroup else None)

    def _spawn(self, bans: Bans | None = None) -> None:
        """Fork the next child now, so it is locked down, armed for ``bans`` (the exercise
        most likely to come next) and warm before its job exists."""
        self.n += 1
        jail = os.path.join(self.jail_root, f"j{self.n}")
        os.mkdir(jail, 0o700)
        if self.config.drop_uid is not None:
            os.chown(jail, self.config.drop_uid,
                     -1 if self.config.drop_gid is None else self.config.drop_gid)
        out_path = os.path.join(self.out_dir, f"{self.n}.out")
        err_path = os.path.join(self.out_dir, f"{self.n}.err")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC
        out_fd = os.open(out_path, flags, 0o600)
        err_fd = os.open(err_path, flags, 0o600)
        result_r, result_w = os.pipe2(os.O_CLOEXEC)
        job_r, job_w = os.pipe2(os.O_CLOEXEC)
        if bans is not None:
            guards.prepare(list(bans.paths))
        config = self._child_config(jail, bans)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                os.close(result_r)
                os.close(job_w)
                child.standby(ChildFds(self.devnull, out_fd, err_fd, result_w, job_r,
                                       self.ruleset), config, warm=self._warm_once)
            finally:
                os._exit(ExitCode.STANDBY_RETURNED)
        for fd in (result_w, out_fd, err_fd, job_r):
            os.close(fd)
        os.set_blocking(result_r, False)
        self.standby = Standby(pid, os.pidfd_open(pid), result_r, job_w, jail, out_path,
                               err_path, bans)

    def _discard_standby(self) -> None:
        standby, self.standby = self.standby, None
        if standby is None:
            return
        _kill(standby.pid)
        try:
            os.waitpid(standby.pid, 0)
        except ChildProcessError:
            pass  # reaped by a sweep already
        self._sweep(standby.pid)
        self._cleanup_files(standby)

    def _cleanup_files(self, standby: Standby) -> None:
        for fd in (standby.pidfd, standby.result_r, standby.job_w):
            if fd >= 0:
                _close(fd)
        shutil.rmtree(standby.jail, ignore_errors=True)
        for path in (standby.out_path, standby.err_path):
            try:
                os.unlink(path)
            except OSError:
                pass  # never created

    # -- one run -------------------------------------------------------------------------------
    def run_job(self, job: Job, raw: bytes) -> tuple[RunResult, bytes, Callable[[], None]]:
        """Hand one submission to the waiting child.  Returns (reply, stream, cleanup): the
        reply goes out as soon as the child has sent its last frame; ``cleanup`` (kill,
        sweep, reap, wipe the jail, fork the next child) runs right after, while the
        worker compares."""
        t0 = time.monotonic()
        oom_before = cgroup.oom_kills(self.memory_cgroup)
        run = _Run(self._take_standby(job.bans), t0 + job.limits.wall_s)
        self._hand_over(run.child, raw)
        while run.status is None and not run.done:
            self._watch(run)
        if not run.done:
            self._sweep(run.child.pid)
            self._drain_rest(run)
        reply = self._report(run, job, t0, oom_before)

        def cleanup() -> None:
            if run.done:
                _kill(run.child.pid)
                try:
                    os.wait4(run.child.pid, 0)
                except ChildProcessError:
                    pass  # reaped by a sweep already
                self._sweep(run.child.pid)
            self._cleanup_files(run.child)
            self._spawn(job.bans)

        return reply, bytes(run.buf), cleanup

    def _take_standby(self, bans: Bans) -> Standby:
        """The waiting child if it is armed for ``bans`` and alive, else a fresh one."""
        standby = self.standby
        if standby is not None and (standby.bans != bans
                                    or select.select([standby.pidfd], [], [], 0)[0]):
            self._discard_standby()  # armed for another exercise, or died while waiting
        if self.standby is None:
            self._spawn(bans)
        taken, self.standby = self.standby, None
        assert taken is not None
        return taken

    @staticmethod
    def _hand_over(standby: Standby, raw: bytes) -> None:
        try:
            protocol.write_all(standby.job_w, raw)
        except OSError:
            pass  # the child died: its exit status says how
        os.close(standby.job_w)
        standby.job_w = -1

    def _watch(self, run: _Run) -> None:
        """Wait for the child's next output, its exit, the deadline or a cancel."""
        pid, pidfd, result_r = run.child.pid, run.child.pidfd, run.child.result_r
        left = run.deadline - time.monotonic()
        if left <= 0 and run.killed_by is None:
            run.kill(KilledBy.TIMEOUT)
            left = 1.0
        watch = [pidfd, self.sock] if run.eof or run.truncated else [result_r, pidfd, self.sock]
        ready, _, _ = select.select(watch, [], [], max(left, 0.0))
        if result_r in ready:
            hit, run.eof = self._drain(result_r, run.buf)
            run.truncated |= hit
            if run.truncated:
                run.kill(KilledBy.STREAM_LIMIT)
            run.scanned, run.done = _scan_for_done(run.buf, run.scanned)
            if run.killed_by is not None:
                run.done = False
        if pidfd in ready and not run.done:
            _, run.status, run.rusage = os.wait4(pid, 0)
        if self.sock in ready and run.status is None and not run.done:
            msg, _ = protocol.read_frame(self.sock)
            if msg.get("op") == ForkOp.CANCEL:
                run.kill(KilledBy.CANCEL)

    def _drain_rest(self, run: _Run) -> None:
        """Every writer is dead now: what is left in the pipe is the rest of the stream."""
        while not run.truncated and not run.eof:
            ready, _, _ = select.select([run.child.result_r], [], [], 0.2)
            if not ready:
                break
            hit, run.eof = self._drain(run.child.result_r, run.buf)
            run.truncated |= hit

    def _report(self, run: _Run, job: Job, t0: float, oom_before: int) -> RunResult:
        out_head, out_size = _read_head(run.child.out_path)
        err_head, err_size = _read_head(run.child.err_path)
        status, rusage = run.status, run.rusage
        return RunResult(
            exit_code=(os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status)
                       else None),
            signal=(os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status)
                    else None),
            killed_by=run.killed_by, finished=run.done,
            cpu_s=(rusage.ru_utime + rusage.ru_stime) if rusage else None,
            maxrss_kb=rusage.ru_maxrss if rusage else None,
            wall_s=time.monotonic() - t0, stdout=out_head, stdout_size=out_size,
            stderr=err_head, stderr_size=err_size,
            max_file_size=_max_file_size(run.child.jail), stream_truncated=run.truncated,
            oom_kills=cgroup.oom_kills(self.memory_cgroup) - oom_before,
            fsize_limit=job.limits.fsize_bytes, t_sent=t0, job=job.id)

    @staticmethod
    def _drain(fd: int, buf: bytearray) -> tuple[bool, bool]:
        """Read what is available; returns (stream cap hit, end of file)."""
        while True:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                return False, False
            if not data:
                return False, True
            if len(buf) + len(data) > STREAM_CAP:
                buf.extend(data[: STREAM_CAP - len(buf)])
                return True, False
            buf.extend(data)


_DONE = protocol.encode_event(Marker(Event.DONE))


def _scan_for_done(buf: bytearray, pos: int) -> tuple[int, bool]:
    """Walk complete frames from ``pos``; True once the child's final frame has arrived."""
    n = len(buf)
    while pos + 8 <= n:
        jl, bl = struct.unpack_from("<II", buf, pos)
        end = pos + 8 + jl + bl
        if end > n:
            break
        if end - pos == len(_DONE) and buf[pos:end] == _DONE:
            return end, True
        pos = end
    return pos, False


def zygote_main(sock: int, config: ForkServerConfig) -> None:
    """Entry point in the forked fork server; never returns."""
    try:
        # The worker's stdin is the client's pipe: this process and its children never use it.
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        server = ForkServer(sock, config)
        server.setup()
        protocol.write_frame(sock, {"op": ForkOp.UP.value, "layers": server.layers})
        server.serve()
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"studyapp grader fork server failed: {exc!r}\n".encode())
        finally:
            os._exit(1)
    os._exit(0)
