"""Operating-system isolation primitives for the grading sandbox (Linux).

Everything here is plain ``ctypes`` around syscalls Python 3.11 does not wrap:
``unshare``, ``mount``, ``prctl``, Landlock and seccomp.  No torch, no textual.
Every function either succeeds or raises ``OSError``; callers decide which layers
are mandatory and record the ones that are active (see ``docs/grader.md``).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
import struct
import time
from collections.abc import Iterable, Sequence

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_NS_FLAGS = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
    | CLONE_NEWNET
)

MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_SECCOMP = 22
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

ARCH = platform.machine()


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


def prctl(option: int, arg2: int = 0, arg3: int = 0, arg4: int = 0, arg5: int = 0) -> int:
    return _check(_libc.prctl(option, arg2, arg3, arg4, arg5), f"prctl({option})")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0,
          data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return None if s is None else s.encode()

    _check(_libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    prctl(PR_SET_PDEATHSIG, int(sig))


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def set_dumpable(flag: bool) -> None:
    prctl(PR_SET_DUMPABLE, 1 if flag else 0)


def enter_user_namespace() -> None:
    """Unprivileged fallback: become root of a fresh user namespace (uid mapped 1:1)."""
    uid, gid = os.getuid(), os.getgid()
    unshare(CLONE_NEWUSER)
    with open("/proc/self/setgroups", "w") as f:
        f.write("deny")
    with open("/proc/self/uid_map", "w") as f:
        f.write(f"0 {uid} 1")
    with open("/proc/self/gid_map", "w") as f:
        f.write(f"0 {gid} 1")


def umount(target: str, detach: bool = True) -> None:
    _check(_libc.umount2(target.encode(), 2 if detach else 0), f"umount {target}")


def make_mounts_private() -> None:
    mount(None, "/", None, MS_REC | MS_PRIVATE)


def mount_tmpfs(target: str, size_bytes: int, mode: int = 0o755) -> None:
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={int(size_bytes)},mode={mode:o},nr_inodes=4096")


def mount_proc(target: str = "/proc") -> None:
    mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


# ---------------------------------------------------------------------------
# rlimits


def vm_size_bytes() -> int:
    with open("/proc/self/statm", "rb") as f:
        pages = int(f.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE")


def _lower(which: int, soft: int, hard: int) -> None:
    """Set a limit, never above the current hard limit (lowering needs no privilege)."""
    _cur_soft, cur_hard = resource.getrlimit(which)
    if cur_hard != resource.RLIM_INFINITY:
        hard = min(hard, cur_hard)
        soft = min(soft, hard)
    resource.setrlimit(which, (soft, hard))


def set_rlimits(*, cpu_s: int, as_bytes: int | None, fsize_bytes: int, nproc: int,
                nofile: int) -> None:
    """CPU seconds (hard = soft + 1, so SIGXCPU comes before SIGKILL), address space,
    file size, processes (threads count), open files, and no core dumps."""
    _lower(resource.RLIMIT_CORE, 0, 0)
    _lower(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)
    _lower(resource.RLIMIT_FSIZE, fsize_bytes, fsize_bytes)
    _lower(resource.RLIMIT_NOFILE, nofile, nofile)
    _lower(resource.RLIMIT_NPROC, nproc, nproc)
    if as_bytes is not None:
        _lower(resource.RLIMIT_AS, as_bytes, as_bytes)


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError(errno.EPERM, "uid drop did not take effect")


def drop_capabilities() -> None:
    """Empty the effective, permitted and inheritable capability sets (a no-op after a uid
    drop; what keeps a user-namespace "root" child harmless when no uid can be dropped)."""
    header = struct.pack("Ii", 0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = bytes(24)  # two __user_cap_data_struct {effective, permitted, inheritable}
    hbuf = ctypes.create_string_buffer(header, len(header))
    dbuf = ctypes.create_string_buffer(data, len(data))
    _check(_libc.capset(hbuf, dbuf), "capset")


# ---------------------------------------------------------------------------
# Landlock (filesystem allowlist, TCP deny, signal scoping)

_SYS_LANDLOCK = {"x86_64": (444, 445, 446), "aarch64": (444, 445, 446)}

LL_EXECUTE = 1 << 0
LL_WRITE_FILE = 1 << 1
LL_READ_FILE = 1 << 2
LL_READ_DIR = 1 << 3
LL_REMOVE_DIR = 1 << 4
LL_REMOVE_FILE = 1 << 5
LL_MAKE_CHAR = 1 << 6
LL_MAKE_DIR = 1 << 7
LL_MAKE_REG = 1 << 8
LL_MAKE_SOCK = 1 << 9
LL_MAKE_FIFO = 1 << 10
LL_MAKE_BLOCK = 1 << 11
LL_MAKE_SYM = 1 << 12
LL_REFER = 1 << 13
LL_TRUNCATE = 1 << 14
LL_IOCTL_DEV = 1 << 15
_LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV


def landlock_abi() -> int:
    nums = _SYS_LANDLOCK.get(ARCH)
    if nums is None:
        return 0
    ret = _libc.syscall(nums[0], None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return int(ret) if ret > 0 else 0


def _ll_all_fs(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= LL_REFER
    if abi >= 3:
        rights |= LL_TRUNCATE
    if abi >= 5:
        rights |= LL_IOCTL_DEV
    return rights


def _landlock_add(ruleset: int, path: str, rights: int, handled: int) -> None:
    """Allow ``rights`` under ``path`` (a path that does not exist is left out)."""
    try:
        pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= _LL_FILE_RIGHTS
        rule = ctypes.create_string_buffer(struct.pack("=Qi", rights & handled, pfd), 12)
        _check(_libc.syscall(_SYS_LANDLOCK[ARCH][1], ctypes.c_int(ruleset), ctypes.c_int(1),
                             rule, ctypes.c_uint32(0)), f"landlock_add_rule {path}")
    finally:
        os.close(pfd)


def landlock_ruleset(read_paths: Iterable[str], write_paths: Iterable[str],
                     device_paths: Iterable[str] = ()) -> int:
    """Build a ruleset fd: read-only under ``read_paths``, full access under ``write_paths``.

    ``device_paths`` get read/write/ioctl (``/dev/null``, ``/dev/nvidia*``).  TCP bind and
    connect are handled and never allowed (ABI >= 4); signals and abstract unix sockets
    are scoped to the sandbox (ABI >= 6).  Apply it in a child with ``landlock_restrict``.
    """
    abi = landlock_abi()
    if abi <= 0:
        raise OSError(errno.ENOSYS, "Landlock is not available")
    handled = _ll_all_fs(abi)
    if abi >= 6:
        attr = struct.pack("QQQ", handled, 0b11, 0b11)
    elif abi >= 4:
        attr = struct.pack("QQ", handled, 0b11)
    else:
        attr = struct.pack("Q", handled)
    buf = ctypes.create_string_buffer(attr, len(attr))
    fd = _check(_libc.syscall(_SYS_LANDLOCK[ARCH][0], buf, ctypes.c_size_t(len(attr)),
                              ctypes.c_uint32(0)), "landlock_create_ruleset")
    read = LL_READ_FILE | LL_READ_DIR | LL_EXECUTE
    write = handled & ~(LL_MAKE_CHAR | LL_MAKE_BLOCK)
    dev = LL_READ_FILE | LL_WRITE_FILE | (LL_IOCTL_DEV if abi >= 5 else 0) | (
        LL_TRUNCATE if abi >= 3 else 0)
    try:
        for paths, rights in ((read_paths, read), (write_paths, write), (device_paths, dev)):
            for p in paths:
                _landlock_add(fd, p, rights, handled)
    except BaseException:
        os.close(fd)
        raise
    return fd


def landlock_restrict(ruleset_fd: int) -> None:
    """Enforce a ruleset on the calling thread (needs no_new_privs or CAP_SYS_ADMIN)."""
    _check(_libc.syscall(_SYS_LANDLOCK[ARCH][2], ctypes.c_int(ruleset_fd), ctypes.c_uint32(0)),
           "landlock_restrict_self")


# ---------------------------------------------------------------------------
# seccomp

_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

_DENY_NAMES = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "unshare", "setns",
    "pivot_root", "chroot", "keyctl", "add_key", "request_key", "bpf", "perf_event_open",
    "userfaultfd", "kexec_load", "kexec_file_load", "init_module", "finit_module",
    "delete_module", "swapon", "swapoff", "reboot", "acct", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "open_by_handle_at", "name_to_handle_at", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "execve", "execveat",
    "pidfd_getfd", "kcmp",
)

_SYSCALLS = {
    "x86_64": {
        "socket": 41, "clone": 56, "clone3": 435, "ptrace": 101, "process_vm_readv": 310,
        "process_vm_writev": 311, "mount": 165, "umount2": 166, "unshare": 272, "setns": 308,
        "pivot_root": 155, "chroot": 161, "keyctl": 250, "add_key": 248, "request_key": 249,
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313, "delete_module": 176,
        "swapon": 167, "swapoff": 168, "reboot": 169, "acct": 163, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 304,
        "name_to_handle_at": 303, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "execve": 59,
        "execveat": 322, "pidfd_getfd": 438, "kcmp": 312,
    },
    "aarch64": {
        "socket": 198, "clone": 220, "clone3": 435, "ptrace": 117, "process_vm_readv": 270,
        "process_vm_writev": 271, "mount": 40, "umount2": 39, "unshare": 97, "setns": 268,
        "pivot_root": 41, "chroot": 51, "keyctl": 219, "add_key": 217, "request_key": 218,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "kexec_load": 104,
        "kexec_file_load": 294, "init_module": 105, "finit_module": 273, "delete_module": 106,
        "swapon": 224, "swapoff": 225, "reboot": 142, "acct": 89, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "open_by_handle_at": 265,
        "name_to_handle_at": 264, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442, "execve": 221,
        "execveat": 281, "pidfd_getfd": 438, "kcmp": 272,
    },
}

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000
_LD_W_ABS = 0x20
_JEQ = 0x15
_JGE = 0x35
_JSET = 0x45
_RET = 0x06
_AF_UNIX = 1


def seccomp_program(*, allow_exec: bool = False) -> bytes | None:
    """A classic-BPF filter: deny namespace/mount/ptrace/kernel-module/io_uring/exec syscalls,
    non-unix sockets and namespace-creating clones with EPERM; clone3 gets ENOSYS so libc
    falls back to clone (whose flags a classic filter can inspect).  ``None`` on an
    architecture we have no table for."""
    table = _SYSCALLS.get(ARCH)
    if table is None:
        return None
    deny = [table[n] for n in _DENY_NAMES if not (allow_exec and n in ("execve", "execveat"))]
    eperm = _RET_ERRNO | errno.EPERM
    insns: list[tuple[int, int, int, int]] = []

    def emit(code: int, jt: int, jf: int, k: int) -> None:
        insns.append((code, jt, jf, k))

    # [0] arch check
    emit(_LD_W_ABS, 0, 0, 4)
    emit(_JEQ, 1, 0, _AUDIT_ARCH[ARCH])
    emit(_RET, 0, 0, _RET_KILL_PROCESS)
    emit(_LD_W_ABS, 0, 0, 0)  # syscall nr
    if ARCH == "x86_64":  # x32 ABI numbers have bit 30 set
        emit(_JGE, 0, 1, 0x40000000)
        emit(_RET, 0, 0, eperm)
    # deny list: each "jeq nr -> ret EPERM"
    for nr in deny:
        emit(_JEQ, 0, 1, nr)
        emit(_RET, 0, 0, eperm)
    emit(_JEQ, 0, 1, table["clone3"])
    emit(_RET, 0, 0, _RET_ERRNO | errno.ENOSYS)
    # socket(domain, ...): only AF_UNIX
    emit(_JEQ, 0, 4, table["socket"])
    emit(_LD_W_ABS, 0, 0, 16)
    emit(_JEQ, 0, 1, _AF_UNIX)
    emit(_RET, 0, 0, _RET_ALLOW)
    emit(_RET, 0, 0, eperm)
    # clone(flags, ...): no new namespaces
    emit(_JEQ, 0, 3, table["clone"])
    emit(_LD_W_ABS, 0, 0, 16)
    emit(_JSET, 0, 1, _NS_FLAGS)
    emit(_RET, 0, 0, eperm)
    emit(_RET, 0, 0, _RET_ALLOW)
    return b"".join(struct.pack("=HBBI", *i) for i in insns)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install_seccomp(program: bytes) -> None:
    """Install a filter built by ``seccomp_program`` (needs no_new_privs first)."""
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.addressof(buf))
    _check(_libc.prctl(PR_SET_SECCOMP, 2, ctypes.addressof(prog), 0, 0), "seccomp")


# ---------------------------------------------------------------------------
# killing and reaping


def reap_all(timeout_s: float = 2.0) -> int:
    """Wait for every child of the caller; returns how many were reaped."""
    n = 0
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return n
        if pid == 0:
            if time.monotonic() > deadline:
                return n
            time.sleep(0.0005)
            continue
        n += 1


def sweep_pid_namespace() -> None:
    """As pid 1 of a pid namespace: SIGKILL everything else in it and reap it."""
    for _ in range(50):
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        reap_all(0.05)
    reap_all(1.0)


def pids_of_uid(uid: int) -> list[int]:
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid == uid:
                out.append(int(name))
        except OSError:
            pass
    return out


def children_of(ppid: int) -> list[int]:
    """The pids whose parent is ``ppid`` (a subreaper's inherited orphans included)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == ppid:
            out.append(int(name))
    return out


def kill_children() -> None:
    """SIGKILL every child of the caller (as a subreaper: every orphan it inherited)."""
    for pid in children_of(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone


def sweep_uid(uid: int, exclude: Sequence[int] = ()) -> None:
    """Fallback without a pid namespace: SIGKILL every process owned by ``uid``."""
    for _ in range(50):
        pids = [p for p in pids_of_uid(uid) if p not in exclude]
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        reap_all(0.05)
    reap_all(0.5)
