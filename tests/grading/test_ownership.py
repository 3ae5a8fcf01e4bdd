"""Stale jail/cgroup cleanup decides liveness by a held lock, never by /proc/<pid>."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from studyapp.grading import ownership


def _hold_lock_in_child(base: str) -> tuple[subprocess.Popen, str]:
    """A separate process claims a token (as a worker does) and keeps it until killed."""
    code = textwrap.dedent(f"""
        import os, sys
        from studyapp.grading import ownership
        o = ownership.claim({base!r})
        os.mkdir(os.path.join({base!r}, o.jail_prefix + "abc"))
        print(o.token, flush=True)
        sys.stdin.read()
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    token = proc.stdout.readline().strip()
    return proc, token


def test_live_owner_keeps_its_jail_even_when_its_pid_is_invisible(tmp_path):
    base = str(tmp_path)
    proc, token = _hold_lock_in_child(base)
    try:
        # The token's pid part names no process we can see, as in another pid namespace:
        # only the lock decides.
        assert ownership.remove_stale_jails(base) == []
        assert os.path.isdir(os.path.join(base, f"studyapp-jails-{token}-abc"))
    finally:
        proc.stdin.close()
        proc.wait()
    # The owner is gone (its lock with it): now the folder and lock file are swept.
    assert ownership.remove_stale_jails(base) == [f"studyapp-jails-{token}-abc"]
    assert not os.listdir(base)


def test_jail_without_lock_file_is_stale_and_release_removes_lock(tmp_path):
    base = str(tmp_path)
    os.mkdir(tmp_path / "studyapp-jails-1234-old")  # an older version's folder
    owner = ownership.claim(base)
    os.mkdir(tmp_path / f"{owner.jail_prefix}mine")
    assert ownership.remove_stale_jails(base) == ["studyapp-jails-1234-old"]
    assert (tmp_path / f"{owner.jail_prefix}mine").is_dir()
    ownership.release(owner)
    assert not (tmp_path / f"studyapp-grader-{owner.token}.lock").exists()
