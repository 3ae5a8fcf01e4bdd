"""Crash soak: SIGKILL a reviewing process at random moments; no committed review may be lost.

A worker process reviews cards against a fixed clock and prints each review's log id
once `ReviewService.review` has returned (committed). The parent kills it with SIGKILL
at a random moment, then checks: every printed id is in the database, every card's
state agrees with its newest log, and `PRAGMA integrity_check` says ok.

    python benchmarks/crash_soak.py [--trials 100] [--seed 1]

Last line: one JSON object with trials, lost_reviews, integrity_failures (and more).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def worker(db_url: str, seed: int, offset_minutes: int) -> None:
    """Review forever, one line per committed review."""
    from studyapp.clock import FixedClock
    from studyapp.scheduling.service import ReviewService
    from studyapp.storage.db import open_database

    rng = random.Random(seed)
    clock = FixedClock(START + timedelta(minutes=offset_minutes))
    service = ReviewService(open_database(db_url), clock, day_start_hour=4, zone=UTC)
    print("ready", flush=True)
    while True:
        item = service.next_card()
        if item is None:
            clock.advance(hours=6)
            continue
        result = service.review(item.card_id, rng.choice([1, 2, 3, 3, 3, 4]), duration_ms=rng.randint(500, 9000))
        print(result.log_id, flush=True)
        clock.advance(seconds=rng.randint(5, 90))


def prepare(db_path: Path) -> str:
    from studyapp.clock import FixedClock
    from studyapp.content.service import ensure_initial_content
    from studyapp.storage.db import open_database

    url = f"sqlite:///{db_path}"
    database = open_database(url)
    ensure_initial_content(database, FixedClock(START))
    database.dispose()
    return url


def check(db_path: Path, printed: list[int]) -> tuple[int, bool, int]:
    """(lost reviews, integrity ok, cards whose state disagrees with their newest log)."""
    conn = sqlite3.connect(db_path)
    try:
        integrity_ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {row[0] for row in conn.execute("select id from review_logs")}
        lost = sum(1 for log_id in printed if log_id not in stored)
        mismatched = conn.execute(
            """
            select count(*) from card_states s
            join review_logs l on l.id = (select max(id) from review_logs where card_id = s.card_id)
            where s.state != l.state or s.stability is not l.stability
               or s.difficulty is not l.difficulty or s.due is not l.due
               or s.reps != (select count(*) from review_logs where card_id = s.card_id)
            """
        ).fetchone()[0]
    finally:
        conn.close()
    return lost, integrity_ok, mismatched


def run_soak(trials: int, seed: int, workdir: Path, max_wait_s: float = 0.6) -> dict:
    rng = random.Random(seed)
    db_path = workdir / "soak.db"
    url = prepare(db_path)
    lost = integrity_failures = state_mismatches = committed = 0
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for trial in range(trials):
        proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(seed * 1000 + trial), str(trial * 600)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.0, max_wait_s))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        # a line cut mid-write by the kill is not a finished report of a commit
        printed = [int(line) for line in out.split("\n")[:-1] if line.strip().isdigit()]
        committed += len(printed)
        trial_lost, ok, mismatched = check(db_path, printed)
        lost += trial_lost
        integrity_failures += not ok
        state_mismatches += mismatched
    return {
        "trials": trials,
        "reviews_committed": committed,
        "lost_reviews": lost,
        "integrity_failures": integrity_failures,
        "state_mismatches": state_mismatches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", nargs=3, metavar=("URL", "SEED", "OFFSET_MINUTES"))
    args = parser.parse_args()
    if args.worker:
        url, seed, offset = args.worker
        worker(url, int(seed), int(offset))
        return
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        figures = run_soak(args.trials, args.seed, Path(tmp))
        figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
