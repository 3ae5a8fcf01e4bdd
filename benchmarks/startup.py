"""Startup benchmark (issue 6): from `studyapp` to the first interactive frame, and the
UI process's memory.

    /tmp/v/bin/python benchmarks/startup.py [--runs 7] [--size 100x30]

Each run starts `python -m studyapp` (what the `studyapp` script runs) in a fresh
pseudo-terminal on a database file that already holds the shipped content, then reads
the terminal's output:

- first_frame_ms: until the dashboard's first frame is on the screen (its footer keys are
  drawn; Textual reads keys from then on), median over the runs
- decks_ms: until the deck table is filled in (the database is opened in a worker thread
  after the first frame), median
- ui_rss_mb: the UI process's peak resident memory (VmHWM) one second after the decks
  appeared, when the grader's worker (a separate process, the only one with torch) is
  warming up; the median over the runs (ui_rss_max_mb: the largest)
- torch_in_ui: whether the UI process mapped any of torch's libraries (must be false)
- textual_floor_ms: the same first-frame measure for a Textual app with only a header, a
  line of text and a footer (`FLOOR_APP`), in runs alternating with studyapp's: what the
  framework alone costs on this machine at this moment, for reading first_frame_ms

Targets: first frame <= 400 ms, UI memory <= 150 MB. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_FRAME_MARKER = b"Study all"  # the dashboard footer: the screen is drawn and live
DECKS_MARKER = b"All decks"  # the deck table's last row: the database answered
FLOOR_APP = """
from textual.app import App
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

class Floor(App):
    BINDINGS = [Binding("a", "bell", "Study all"), Binding("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("the least a Textual app draws")
        yield Footer(compact=True)

Floor().run()
"""


def prepare_database(folder: Path) -> str:
    """A database file with the shipped content synced (what a learner has after day one)."""
    url = f"sqlite:///{folder / 'bench.db'}"
    env = dict(os.environ, STUDYAPP_DB=url)
    done = subprocess.run([sys.executable, "-m", "studyapp", "decks"], cwd=ROOT, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:  # content being edited: the decks alone still make a real dashboard
        print(f"(shipped content does not sync: {done.stderr.strip().splitlines()[-1]}; using its decks only)")
        sys.path.insert(0, str(ROOT))
        from studyapp.clock import SystemClock
        from studyapp.content.loader import load_content
        from studyapp.content.sync import sync_content
        from studyapp.paths import shipped_content_dir
        from studyapp.storage.db import open_database

        decks_only = folder / "content"
        shutil.copytree(shipped_content_dir() / "decks", decks_only / "decks")
        database = open_database(url)
        with database.unit_of_work() as session:
            sync_content(session, load_content([decks_only]), SystemClock().now())
        database.dispose()
    return url


def read_until(fd: int, marker: bytes, buffer: bytearray, deadline: float) -> float | None:
    """Read the terminal until `marker` shows up; the moment it did, or None at the deadline."""
    while marker not in buffer:
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:
            return None
        if not chunk:
            return None
        buffer.extend(chunk)
    return time.perf_counter()


def proc_status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])  # kB
    return values


def maps_torch(pid: int) -> bool:
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


@contextlib.contextmanager
def in_terminal(command: list[str], env: dict[str, str], columns: int, rows: int,
                cwd: Path | None = None) -> Iterator[tuple[subprocess.Popen[bytes], int, float]]:
    """`command` on a fresh pseudo-terminal of `columns`x`rows`: (process, the terminal's
    reading end, when it started). On leaving, `q` asks it to quit; it is killed if it has
    not within 10 s."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = dict(env, TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
                               start_new_session=True)
    os.close(slave)
    try:
        yield process, master, started
        os.write(master, b"q")
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        os.close(master)


def floor_run(columns: int, rows: int) -> float:
    """Milliseconds from start to the first frame of `FLOOR_APP`."""
    with in_terminal([sys.executable, "-c", FLOOR_APP], dict(os.environ), columns, rows) as (_, master, started):
        first = read_until(master, FIRST_FRAME_MARKER, bytearray(), started + 20)
        if first is None:
            raise RuntimeError("the floor app did not draw its footer")
    return (first - started) * 1000


def one_run(url: str, columns: int, rows: int, home: Path) -> dict:
    env = dict(os.environ, STUDYAPP_DB=url, XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    env.pop("TEXTUAL", None)
    buffer = bytearray()
    with in_terminal([sys.executable, "-m", "studyapp"], env, columns, rows, cwd=ROOT) as (process, master, started):
        first = read_until(master, FIRST_FRAME_MARKER, buffer, started + 20)
        decks = read_until(master, DECKS_MARKER, buffer, started + 30)
        if first is None or decks is None:
            raise RuntimeError(f"the app did not draw its dashboard; it wrote:\n{bytes(buffer[-2000:])!r}")
        settle = time.perf_counter() + 1.0
        while time.perf_counter() < settle:  # keep draining the terminal while it settles
            read_until(master, b"\x00never\x00", buffer, settle)
        status = proc_status(process.pid)
        torch = maps_torch(process.pid)
    return {
        "first_frame_ms": (first - started) * 1000,
        "decks_ms": (decks - started) * 1000,
        "rss_mb": status.get("VmHWM", status.get("VmRSS", 0)) / 1024,
        "torch": torch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--size", default="100x30", help="terminal COLUMNSxROWS")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.lower().split("x"))
    folder = Path(tempfile.mkdtemp(prefix="studyapp-startup-"))
    try:
        url = prepare_database(folder)
        one_run(url, columns, rows, folder)  # warm the page cache and .pyc files
        floor_run(columns, rows)
        results, floors = [], []
        for index in range(args.runs):
            result = one_run(url, columns, rows, folder)
            results.append(result)
            floors.append(floor_run(columns, rows))
            print(f"run {index + 1}: first frame {result['first_frame_ms']:.0f} ms, decks {result['decks_ms']:.0f} ms, "
                  f"UI peak RSS {result['rss_mb']:.1f} MB; Textual floor {floors[-1]:.0f} ms", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    summary = {
        "first_frame_ms": round(statistics.median(r["first_frame_ms"] for r in results), 1),
        "decks_ms": round(statistics.median(r["decks_ms"] for r in results), 1),
        "ui_rss_mb": round(statistics.median(r["rss_mb"] for r in results), 1),
        "ui_rss_max_mb": round(max(r["rss_mb"] for r in results), 1),
        "torch_in_ui": any(r["torch"] for r in results),
        "textual_floor_ms": round(statistics.median(floors), 1),
        "runs": len(results),
        "terminal": f"{columns}x{rows}",
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
