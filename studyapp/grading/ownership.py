"""Who owns a grader's jail folder and memory cgroup: a lock the owning worker holds.

Every worker takes a token (its pid plus random hex) and holds an exclusive ``flock`` on
``<tmp>/studyapp-grader-<token>.lock`` for its whole life; its jail folder is
``studyapp-jails-<token>-*`` and its cgroup ``studyapp-grader-<token>``.  A folder or
cgroup is stale only when its lock can be taken, i.e. when no process holds it any more.

Liveness is never decided by ``/proc/<pid>``: a grader in another pid namespace (a
container, ``unshare --pid``) sees no such pid and would delete the live jails of every
other grader on the machine; and pids are reused.  A lock works across both.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from . import cgroup

LOCK_PREFIX = "studyapp-grader-"
JAIL_PREFIX = "studyapp-jails-"
CGROUP_PREFIX = "studyapp-grader-"
CGROUP_BASES = cgroup.BASES


@dataclass(frozen=True)
class Ownership:
    """The token a live worker holds, and the open lock file that proves it."""

    token: str
    lock_fd: int
    lock_path: str

    @property
    def jail_prefix(self) -> str:
        return f"{JAIL_PREFIX}{self.token}-"

    @property
    def cgroup_name(self) -> str:
        return f"{CGROUP_PREFIX}{self.token}"


def _lock_path(token: str, base: str | None = None) -> str:
    return os.path.join(base or tempfile.gettempdir(), f"{LOCK_PREFIX}{token}.lock")


def claim(base: str | None = None) -> Ownership:
    """Take a fresh token and hold its lock until this process (and its forks) end."""
    token = f"{os.getpid()}x{secrets.token_hex(4)}"
    path = _lock_path(token, base)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return Ownership(token, fd, path)


def release(owner: Ownership) -> None:
    """Give the token up at a clean exit (the lock file goes; the lock with it)."""
    try:
        os.unlink(owner.lock_path)
    except OSError:
        pass
    try:
        os.close(owner.lock_fd)
    except OSError:
        pass


def _token_of(name: str, prefix: str) -> str | None:
    """``studyapp-jails-<token>-<rand>`` or ``studyapp-grader-<token>`` -> token."""
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix):]
    if rest.endswith(".lock"):
        return None
    token = rest.split("-", 1)[0]
    return token or None


@contextmanager
def _if_stale(token: str, base: str | None) -> Iterator[bool]:
    """Yield True while holding the token's lock when its owner is gone.

    A name without a lock file is stale too: a worker takes its lock before it makes
    anything, and the lock file is removed only after everything else is.  (Folders of
    older versions, named by pid alone, have none and are swept once.)
    """
    path = _lock_path(token, base)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        yield True
        return
    except OSError:
        yield False  # not ours to judge (another user's lock file)
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False  # held: a live worker owns it
            return
        yield True
        try:
            os.unlink(path)
        except OSError:
            pass
    finally:
        os.close(fd)


def remove_stale_jails(base: str | None = None) -> list[str]:
    """Remove jail folders whose owning worker is gone; return what was removed."""
    base = base or tempfile.gettempdir()
    removed: list[str] = []
    try:
        names = os.listdir(base)
    except OSError:
        return removed
    for name in names:
        token = _token_of(name, JAIL_PREFIX)
        if token is None:
            continue
        with _if_stale(token, base) as stale:
            if stale:
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)
                removed.append(name)
    return removed


def remove_stale_cgroups(base: str | None = None) -> list[str]:
    """Remove memory cgroups whose owning worker is gone; return what was removed."""
    removed: list[str] = []
    for cg_base in CGROUP_BASES:
        try:
            names = os.listdir(cg_base)
        except OSError:
            continue
        for name in names:
            token = _token_of(name, CGROUP_PREFIX)
            if token is None:
                continue
            with _if_stale(token, base) as stale:
                if stale and cgroup.remove(os.path.join(cg_base, name), tries=1):
                    removed.append(name)
    return removed


def remove_own_cgroup(owner: Ownership) -> None:
    """At a worker's exit: its cgroup, once the last jailed process is torn down."""
    cgroup.remove_named(owner.cgroup_name)
