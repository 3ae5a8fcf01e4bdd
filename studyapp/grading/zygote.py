"""The fork server: a torch-warm process that forks one sandboxed child per submission.

It is forked from the worker right after torch is imported and *before* any exercise,
reference or expected value is loaded, so nothing a child inherits is secret.  When the
worker could create a pid namespace this process is pid 1 there: every process a
submission starts lands in that namespace and one ``kill(-1, SIGKILL)`` after each run
removes them all.  It never initializes CUDA (a child does, after the fork).
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import struct
import sys
import time
from typing import Any

import torch

from . import child, guards, protocol, runner, sandbox, wire

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
                continue
            biggest = max(biggest, st.st_size)
    return biggest


class ForkServer:
    def __init__(self, sock: int, cfg: dict[str, Any]):
        self.sock = sock
        self.cfg = cfg
        self.jail_root = cfg["jail_root"]
        self.out_dir = os.path.join(self.jail_root, ".out")
        self.n = 0
        self.pid1 = os.getpid() == 1
        self.layers: list[str] = list(cfg.get("layers", []))
        self.child_cfg: dict[str, Any] = {}
        self.standby: dict[str, Any] | None = None

    # -- setup -----------------------------------------------------------------------
    def setup(self) -> None:
        cfg = self.cfg
        try:
            sandbox.set_pdeathsig(signal.SIGKILL)
        except OSError:
            pass
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if self.pid1:
            self.layers.append("pid-namespace")
            try:
                sandbox.unshare(sandbox.CLONE_NEWNS)
                sandbox.make_mounts_private()
                sandbox.mount_proc("/proc")
                self.layers.append("private-proc")
                self.private_proc = True
            except OSError:
                self.private_proc = False
            # Hide the content roots (references, checks, mutants) from this process tree.
            for root in cfg.get("hide", []):
                try:
                    sandbox.mount("tmpfs", root, "tmpfs", sandbox.MS_NOSUID | sandbox.MS_NODEV,
                                  "size=4k,mode=000")
                    if "hidden-content" not in self.layers:
                        self.layers.append("hidden-content")
                except OSError:
                    pass
        else:
            self.private_proc = False
            try:
                sandbox.set_child_subreaper()
                self.layers.append("subreaper")
            except OSError:
                pass
        try:
            sandbox.set_dumpable(False)
        except OSError:
            pass
        os.makedirs(self.out_dir, mode=0o700, exist_ok=True)
        os.chmod(self.out_dir, 0o700)
        self.devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        uid = cfg.get("drop_uid")
        cc = self.child_cfg
        cc["drop_uid"] = uid
        cc["drop_gid"] = cfg.get("drop_gid")
        if uid is not None:
            self.layers.append(f"uid-{uid}")
        cc["memory_mode"] = cfg.get("memory_mode", "rlimit")
        self.ruleset = -1
        if cfg.get("landlock", True):
            try:
                self.ruleset = sandbox.landlock_ruleset(
                    self._read_paths(), [self.jail_root],
                    ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/full"]
                    + self._device_paths())
                self.layers.append(f"landlock-abi{sandbox.landlock_abi()}")
            except OSError:
                self.ruleset = -1
        if cfg.get("seccomp", True):
            prog = sandbox.seccomp_program()
            if prog:
                cc["seccomp"] = prog
                self.layers.append("seccomp")
        self.layers += ["rlimits", "setsid", "capped-output", "audit-hook", "tripwires"]
        guards.preload_modules(PRELOAD)
        for n in range(8):
            guards._template(n)
        guards.reporter()
        for warm_up in (guards.warm_library, guards.warm_optimizers):
            try:
                warm_up()
            except Exception:  # noqa: BLE001 - only a warm-up
                pass
        self._warm()
        self._setup_cgroup()

    def _read_paths(self) -> list[str]:
        import sysconfig

        paths = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
        site = os.path.dirname(os.path.dirname(torch.__file__))
        for mod in ("torch", "numpy", "functorch", "torchgen", "typing_extensions", "sympy",
                    "mpmath", "filelock", "networkx", "jinja2", "markupsafe", "fsspec"):
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
        if self.cfg.get("device") == "cuda":
            for p in ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/local/cuda", "/etc",
                      "/sys", "/proc/driver", "/opt"):
                if os.path.exists(p):
                    paths.add(p)
        return sorted(paths)

    def _device_paths(self) -> list[str]:
        if self.cfg.get("device") != "cuda":
            return []
        return [os.path.join("/dev", d) for d in os.listdir("/dev")
                if d.startswith("nvidia")] + (["/dev/dri"] if os.path.exists("/dev/dri") else [])

    def _setup_cgroup(self) -> None:
        mode = self.child_cfg["memory_mode"]
        if mode != "cgroup":
            return
        limit = int(self.cfg["memory_mb"]) << 20
        name = self.cfg["cgroup_name"]
        for base, limit_file, procs in (
            ("/sys/fs/cgroup", "memory.max", "cgroup.procs"),
            ("/sys/fs/cgroup/unified", "memory.max", "cgroup.procs"),
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "cgroup.procs"),
        ):
            if not os.path.exists(os.path.join(base, limit_file if base.endswith("memory")
                                               else "cgroup.controllers")):
                continue
            if not base.endswith("memory"):
                try:
                    with open(os.path.join(base, "cgroup.controllers")) as f:
                        if "memory" not in f.read().split():
                            continue
                except OSError:
                    continue
            d = os.path.join(base, name)
            try:
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, limit_file), "w") as f:
                    f.write(str(limit))
                if base.endswith("memory"):
                    try:
                        with open(os.path.join(d, "memory.memsw.limit_in_bytes"), "w") as f:
                            f.write(str(limit))
                    except OSError:
                        pass
            except OSError:
                continue
            self.cgroup_dir = d
            self.child_cfg["cgroup_procs"] = os.path.join(d, procs)
            self.layers.append("memory-cgroup")
            return
        # no cgroup: fall back to an address-space limit on CPU, nothing on CUDA
        self.child_cfg["memory_mode"] = "rlimit" if self.cfg.get("device") != "cuda" else "none"

    def _oom_kills(self) -> int:
        d = getattr(self, "cgroup_dir", None)
        if not d:
            return 0
        for fname, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
            try:
                with open(os.path.join(d, fname)) as f:
                    for line in f:
                        k, _, v = line.partition(" ")
                        if k == key:
                            return int(v)
            except OSError:
                continue
        return 0

    def _warm(self) -> None:
        """Run the child's code paths here, so every child inherits warm caches."""
        blob = wire.BlobWriter()
        p = torch.randn(3, 4)
        plan = {"name": "warm", "steps": 2, "args": ["param", "grad", "m", "v", "t"],
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
        import inspect

        inspect.signature(g["f"]).bind(1, 2, 3, 4, 5, lr=0.1)

    def _warm_once(self) -> None:
        """One pass over the child's hot paths (a fresh child runs it while it waits, to
        take its copy-on-write page faults before the job arrives)."""
        plan, raw, fn = self._warm_args
        m = runner.Materialized(plan, raw, "cpu")
        rec = runner.run(fn, m)
        child._encode_records(rec)
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
            if op == "run":
                reply, stream, cleanup = self.run_job(msg, blob, raw)
                protocol.write_frame(self.sock, reply, stream)
                cleanup()
            elif op == "prepare":
                try:
                    guards.prepare(msg.get("paths", []))
                except Exception:  # noqa: BLE001
                    pass
                self._discard_standby()  # the next child inherits what was prepared
                self._spawn()
                protocol.write_frame(self.sock, {"op": "prepared"})
            elif op == "prearm":
                bans = _bans_key(msg)
                if self.standby is None or self.standby["bans"] != bans:
                    self._discard_standby()
                    self._spawn(bans)
                protocol.write_frame(self.sock, {"op": "prearmed"})
            elif op == "hello":
                info = {"op": "hello", "layers": self.layers, "pid1": self.pid1}
                if msg.get("probe_cuda"):
                    info["cuda"] = self.cuda_available()
                protocol.write_frame(self.sock, info)
            elif op == "quit":
                os._exit(0)
            if self.standby is None and op != "run":
                self._spawn()

    def _sweep(self, pid: int) -> None:
        if self.pid1:
            sandbox.sweep_pid_namespace()
            return
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        uid = self.child_cfg.get("drop_uid")
        if uid is not None:
            sandbox.sweep_uid(uid)
        # the subreaper inherited any orphans: kill our remaining children
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == os.getpid():
                try:
                    os.kill(int(name), signal.SIGKILL)
                except OSError:
                    pass
        sandbox.reap_all(1.0)

    def _spawn(self, bans: tuple | None = None) -> None:
        """Fork the next child now, so it is locked down, armed for ``bans`` (the exercise
        most likely to come next) and warm before its job exists."""
        self.n += 1
        jail = os.path.join(self.jail_root, f"j{self.n}")
        os.mkdir(jail, 0o700)
        uid, gid = self.child_cfg.get("drop_uid"), self.child_cfg.get("drop_gid")
        if uid is not None:
            os.chown(jail, uid, gid)
        out_path = os.path.join(self.out_dir, f"{self.n}.out")
        err_path = os.path.join(self.out_dir, f"{self.n}.err")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC
        out_fd = os.open(out_path, flags, 0o600)
        err_fd = os.open(err_path, flags, 0o600)
        r, w = os.pipe2(os.O_CLOEXEC)
        jr, jw = os.pipe2(os.O_CLOEXEC)
        if bans is not None:
            guards.prepare(bans[0])
        cc = dict(self.child_cfg, jail=jail, device=self.cfg.get("device", "cpu"),
                  vm_base=sandbox.vm_size_bytes(), prearm=bans)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                os.close(r)
                os.close(jw)
                child.standby({"devnull": self.devnull, "stdout": out_fd, "stderr": err_fd,
                               "result": w, "job": jr, "ruleset": self.ruleset}, cc,
                              warm=self._warm_once)
            finally:
                os._exit(72)
        for fd in (w, out_fd, err_fd, jr):
            os.close(fd)
        os.set_blocking(r, False)
        self.standby = {"pid": pid, "pidfd": os.pidfd_open(pid), "r": r, "jw": jw,
                        "jail": jail, "out": out_path, "err": err_path, "bans": bans}

    def _discard_standby(self) -> None:
        sb, self.standby = self.standby, None
        if sb is None:
            return
        try:
            os.kill(sb["pid"], signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(sb["pid"], 0)
        except ChildProcessError:
            pass
        self._sweep(sb["pid"])
        self._cleanup_files(sb)

    def _cleanup_files(self, sb: dict) -> None:
        for fd in (sb["pidfd"], sb["r"], sb["jw"]):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(sb["jail"], ignore_errors=True)
        for p in (sb["out"], sb["err"]):
            try:
                os.unlink(p)
            except OSError:
                pass

    def run_job(self, job: dict, blob: bytes, raw: bytes) -> tuple[dict, bytes, Any]:
        """Hand one submission to the waiting child.  Returns (reply, stream, cleanup): the
        reply goes out as soon as the child has sent its last frame; ``cleanup`` (kill,
        sweep, reap, wipe the jail, fork the next child) runs right after, while the
        worker compares."""
        t0 = time.monotonic()
        limits = job["limits"]
        oom_before = self._oom_kills()
        bans = _bans_key(job)
        sb = self.standby
        if sb is not None and (sb["bans"] != bans
                               or select.select([sb["pidfd"]], [], [], 0)[0]):
            self._discard_standby()  # armed for another exercise, or died while waiting
            sb = None
        if sb is None:
            self._spawn(bans)
            sb = self.standby
        self.standby = None
        pid, pidfd, r = sb["pid"], sb["pidfd"], sb["r"]
        try:
            protocol.write_all(sb["jw"], raw)
        except OSError:
            pass  # the child died: its exit status says how
        os.close(sb["jw"])
        sb["jw"] = -1
        deadline = t0 + float(limits["wall_s"])
        buf = bytearray()
        killed_by = None
        status = None
        rusage = None
        truncated = eof = done = False
        pos = 0
        while status is None and not done:
            left = deadline - time.monotonic()
            if left <= 0 and killed_by is None:
                killed_by = "timeout"
                os.kill(pid, signal.SIGKILL)
                left = 1.0
            watch = [pidfd, self.sock] if eof or truncated else [r, pidfd, self.sock]
            rl, _, _ = select.select(watch, [], [], max(left, 0.0))
            if r in rl:
                hit, eof = self._drain(r, buf)
                truncated |= hit
                if truncated and killed_by is None:
                    killed_by = "stream_limit"
                    os.kill(pid, signal.SIGKILL)
                pos, done = _scan_for_done(buf, pos)
                if killed_by is not None:
                    done = False
            if pidfd in rl and not done:
                _, status, rusage = os.wait4(pid, 0)
            if self.sock in rl and status is None and not done:
                msg, _ = protocol.read_frame(self.sock)
                if msg.get("op") == "cancel" and killed_by is None:
                    killed_by = "cancel"
                    os.kill(pid, signal.SIGKILL)
        if not done:
            self._sweep(pid)
            # every writer is dead now: what is left in the pipe is the rest of the stream
            while not truncated and not eof:
                rl, _, _ = select.select([r], [], [], 0.2)
                if not rl:
                    break
                hit, eof = self._drain(r, buf)
                truncated |= hit
        out_head, out_size = _read_head(sb["out"])
        err_head, err_size = _read_head(sb["err"])
        max_file = _max_file_size(sb["jail"])
        sig = code = None
        if status is not None:
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        reply = {
            "op": "result", "job": job.get("job"), "exit_code": code, "signal": sig,
            "killed_by": killed_by, "finished": done,
            "cpu_s": (rusage.ru_utime + rusage.ru_stime) if rusage else None,
            "maxrss_kb": rusage.ru_maxrss if rusage else None,
            "wall_s": time.monotonic() - t0, "stdout": out_head, "stdout_size": out_size,
            "stderr": err_head, "stderr_size": err_size, "max_file_size": max_file,
            "stream_truncated": truncated, "oom_kills": self._oom_kills() - oom_before,
            "fsize_limit": int(limits["fsize_bytes"]), "t_sent": t0,
        }

        def cleanup() -> None:
            if done:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
                try:
                    os.wait4(pid, 0)
                except ChildProcessError:
                    pass
                self._sweep(pid)
            self._cleanup_files(sb)
            self._spawn(bans)

        return reply, bytes(buf), cleanup

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


_DONE = protocol.encode({"event": "done"})


def _bans_key(msg: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
    bans = msg.get("bans") or {}
    return tuple(bans.get("paths", ())), tuple(bans.get("ops", ()))


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


def zygote_main(sock: int, cfg: dict[str, Any]) -> None:
    """Entry point in the forked fork server; never returns."""
    try:
        # The worker's stdin is the client's pipe: this process and its children never use it.
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        server = ForkServer(sock, cfg)
        server.setup()
        protocol.write_frame(sock, {"op": "up", "layers": server.layers})
        server.serve()
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"studyapp grader fork server failed: {exc!r}\n".encode())
        finally:
            os._exit(1)
    os._exit(0)
