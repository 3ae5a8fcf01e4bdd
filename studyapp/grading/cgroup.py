"""The memory cgroup, whole life in one place (as isolate's ``cg.c``): create and limit it
(the fork server, once), enter it (each child, before it locks down), read its OOM kills
(the fork server, around each run), remove it (the worker at exit; ``ownership`` for the
cgroups of workers that are gone).

Used on CUDA, where an address-space limit breaks the driver, or on CPU with
``sandbox={"memory_mode": "cgroup"}``.  cgroup v2 (unified, also under
``/sys/fs/cgroup/unified``) and v1's memory controller are both handled.  No torch here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

# (mount point, the file that sets the limit); v1's memory controller last
HIERARCHIES = (
    ("/sys/fs/cgroup", "memory.max"),
    ("/sys/fs/cgroup/unified", "memory.max"),
    ("/sys/fs/cgroup/memory", "memory.limit_in_bytes"),
)
BASES = tuple(base for base, _limit in HIERARCHIES)
_OOM_COUNTERS = (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill"))


@dataclass(frozen=True)
class MemoryCgroup:
    path: str

    @property
    def procs(self) -> str:
        """The file a process writes ``0`` to, to join the cgroup."""
        return os.path.join(self.path, "cgroup.procs")


def _is_v1(base: str) -> bool:
    return base.endswith("memory")


def _has_memory_controller(base: str, limit_file: str) -> bool:
    if _is_v1(base):
        return os.path.exists(os.path.join(base, limit_file))
    try:
        with open(os.path.join(base, "cgroup.controllers")) as f:
            return "memory" in f.read().split()
    except OSError:
        return False


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def create(name: str, limit_bytes: int) -> tuple[MemoryCgroup | None, list[str]]:
    """Create cgroup ``name`` limited to ``limit_bytes`` in the first hierarchy that has a
    memory controller and lets us write; returns it (or None) and why each other failed."""
    why_not: list[str] = []
    for base, limit_file in HIERARCHIES:
        if not _has_memory_controller(base, limit_file):
            why_not.append(f"{base}: no memory controller")
            continue
        path = os.path.join(base, name)
        try:
            os.makedirs(path, exist_ok=True)
            _write(os.path.join(path, limit_file), str(limit_bytes))
        except OSError as exc:
            why_not.append(f"{path}: {exc}")
            continue
        if _is_v1(base):
            try:  # v1 counts swap separately; not every kernel has the file
                _write(os.path.join(path, "memory.memsw.limit_in_bytes"), str(limit_bytes))
            except OSError as exc:
                why_not.append(f"{path}: swap stays unlimited ({exc})")
        return MemoryCgroup(path), why_not
    return None, why_not


def enter(procs: str) -> None:
    """Move the calling process into the cgroup whose ``cgroup.procs`` is ``procs``
    (raises OSError: a child that cannot enter it does not run)."""
    _write(procs, "0")


def oom_kills(cgroup: MemoryCgroup | None) -> int:
    """How many processes the kernel has OOM-killed in ``cgroup`` so far (0 without one)."""
    if cgroup is None:
        return 0
    for fname, key in _OOM_COUNTERS:
        try:
            with open(os.path.join(cgroup.path, fname)) as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == key:
                        return int(v)
        except OSError:
            continue
    return 0


def remove(path: str, tries: int) -> bool:
    """Remove an (empty) cgroup folder, retrying while its last processes are torn down."""
    for _ in range(tries):
        try:
            os.rmdir(path)
            return True
        except FileNotFoundError:
            return False
        except OSError:
            time.sleep(0.01)
    return False


def remove_named(name: str, tries: int = 20) -> None:
    """Remove cgroup ``name`` from every hierarchy (a worker's own, at its exit)."""
    for base in BASES:
        remove(os.path.join(base, name), tries)
