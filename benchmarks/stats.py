"""Benchmark: the whole stats page over 1M review logs.

Builds a temp-file SQLite database migrated by the app (open_database), fills it with
50k cards, 1M review logs spread over three years (about 900 reviews a day, appended in
time order as the app writes them) and 5k submissions (raw executemany, about 15 s), then
times `compute_stats` (every number of the Stats screen / `studyapp stats --json`) in a
fresh unit of work several times and reports the median wall time. The page runs on two
connections at once (two cores), so other work on the machine shows in the figure: the
JSON also gives the CPU time and the load average when the runs started.

    python benchmarks/stats.py [--logs 1000000] [--cards 50000] [--runs 7] [--warmup 1] [--db URL]

`--db` reuses (or builds once at) a SQLite file (a path or sqlite:/// URL), or measures on
a PostgreSQL database (postgresql+psycopg://...), filled by copying the synthetic history
in when it is empty (benchmarks/bench_db.py).

The last line is one JSON object with `stats_1m_ms` (the median, in milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.storage.db import open_database  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HISTORY_DAYS = 3 * 365
FMT = "%Y-%m-%d %H:%M:%S.%f"
DECAY = -0.1542
FACTOR = 0.9 ** (1 / DECAY) - 1


def _stamps(epoch_s: np.ndarray) -> list[str]:
    """UTC epoch seconds -> the text SQLAlchemy stores for a DateTime in SQLite."""
    us = np.round(epoch_s * 1e6).astype("int64").astype("datetime64[us]")
    return [s.replace("T", " ") for s in np.datetime_as_string(us, unit="us").tolist()]


def _maybe(values: list[str], mask: np.ndarray) -> list[str | None]:
    return [None if m else v for v, m in zip(values, mask.tolist(), strict=True)]


def build(path: Path, *, n_logs: int, n_cards: int, seed: int = 7) -> None:
    """Migrate a fresh database at `path` and fill it with a synthetic history."""
    db = open_database(f"sqlite:///{path}")
    db.dispose()
    rng = np.random.default_rng(seed)
    now_s = NOW.timestamp()
    created = NOW.strftime(FMT)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    n_decks, n_topics = 12, 30
    conn.executemany(
        "INSERT INTO decks (id, slug, title, description, topic, requires, position, source_path,"
        " retired, created_at, updated_at) VALUES (?,?,?,'',?, '[]', ?, '', 0, ?, ?)",
        [(d + 1, f"deck-{d}", f"Deck {d}", f"topic-{d % n_topics}", d, created, created)
         for d in range(n_decks)],
    )
    tag_pool = [f"tag{i}" for i in range(40)]
    card_rows = []
    for c in range(n_cards):
        tags = " ".join(tag_pool[(c * k) % 40] for k in (1, 7)[: 1 + c % 2])
        kind = "exercise" if c % 500 == 0 else "basic"
        card_rows.append((c + 1, 1 + c % n_decks, f"card-{c}", f"note-{c}", kind, c,
                          f"topic-{c % n_topics}", f"front {c}", "back", tags,
                          int(c % 97 == 0), created, created))
    conn.executemany(
        "INSERT INTO cards (id, deck_id, content_id, note_id, kind, position, topic, front, back,"
        " extra, tags, suspended, retired, source_file, source_line, content_hash, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?,?,?,?,'{}',?,?,0,'',0,'',?,?)",
        card_rows,
    )

    # card states: 10% new, the rest learning / review / relearning
    state = rng.choice([0, 1, 2, 3], size=n_cards, p=[0.10, 0.04, 0.81, 0.05])
    stability = rng.lognormal(3.0, 1.2, n_cards)
    difficulty = np.clip(rng.normal(5.5, 2.0, n_cards), 1, 10)
    last = now_s - rng.uniform(0, 120, n_cards) * 86400
    interval = np.maximum(1, np.round(stability * rng.uniform(0.8, 1.2, n_cards)))
    due = np.where(state == 2, last + interval * 86400, last + 600)
    new = state == 0
    last_txt, due_txt = _maybe(_stamps(last), new), _maybe(_stamps(due), new)
    conn.executemany(
        "INSERT INTO card_states (card_id, state, step, stability, difficulty, due, last_review,"
        " reps, lapses) VALUES (?,?,?,?,?,?,?,?,?)",
        [(c + 1, int(state[c]), None, None if new[c] else float(stability[c]),
          None if new[c] else float(difficulty[c]), due_txt[c], last_txt[c],
          0 if new[c] else 20, 0 if new[c] else 2) for c in range(n_cards)],
    )

    # review logs, in time order, as the app appends them
    reviewed = np.sort(now_s - rng.uniform(0, HISTORY_DAYS * 86400, n_logs))
    reviewed_cards = np.flatnonzero(~new) + 1
    card_id = rng.choice(reviewed_cards, size=n_logs)
    prev_state = rng.choice([0, 1, 2, 3], size=n_logs, p=[0.05, 0.10, 0.75, 0.10])
    first = prev_state == 0
    rating = np.where(prev_state == 2, rng.choice([1, 2, 3, 4], n_logs, p=[0.1, 0.1, 0.7, 0.1]),
                      rng.choice([1, 2, 3, 4], n_logs, p=[0.25, 0.15, 0.55, 0.05]))
    prev_s = rng.lognormal(2.5, 1.2, n_logs)
    ivl = np.where(prev_state == 2, np.maximum(1, np.round(prev_s)), 0)
    elapsed = np.where(prev_state == 2, ivl * rng.uniform(0.9, 1.6, n_logs),
                       rng.uniform(0.001, 2, n_logs))
    prev_last = reviewed - elapsed * 86400
    prev_due = prev_last + np.where(prev_state == 2, ivl * 86400, 600)
    r = (1 + FACTOR * np.floor(elapsed) / prev_s) ** DECAY
    new_s = prev_s * np.where(rating > 1, rng.uniform(1.5, 3.5, n_logs), 0.3)
    after_due = reviewed + np.maximum(1, np.round(new_s)) * 86400
    d_prev = np.clip(rng.normal(5.5, 2.0, n_logs), 1, 10)
    duration = rng.integers(1500, 20000, n_logs)
    t_rev, t_last, t_due, t_after = (_stamps(reviewed), _stamps(prev_last), _stamps(prev_due),
                                     _stamps(after_due))
    rows = []
    for i in range(n_logs):
        f = bool(first[i])
        rows.append((
            int(card_id[i]), int(rating[i]), t_rev[i], int(duration[i]), int(prev_state[i]),
            None if f else float(prev_s[i]), None if f else float(d_prev[i]),
            None if f else t_due[i], None if f else t_last[i],
            2 if rating[i] > 1 else 3, float(new_s[i]), float(d_prev[i]), t_after[i],
            None if f else float(r[i]),
        ))
    conn.executemany(
        "INSERT INTO review_logs (card_id, rating, reviewed_at, duration_ms, source, prev_state,"
        " prev_step, prev_stability, prev_difficulty, prev_due, prev_last_review, prev_reps,"
        " prev_lapses, state, stability, difficulty, due, retrievability)"
        " VALUES (?,?,?,?,'manual',?,NULL,?,?,?,?,0,0,?,?,?,?,?)",
        rows,
    )

    # submissions for the exercise cards
    exercise_cards = [c + 1 for c in range(n_cards) if c % 500 == 0]
    n_sub = 5000
    sub_time = np.sort(now_s - rng.uniform(0, HISTORY_DAYS * 86400, n_sub))
    sub_txt = _stamps(sub_time)
    statuses = rng.choice(["passed", "failed", "error", "timeout"], n_sub, p=[0.5, 0.35, 0.1, 0.05])
    subs = []
    for i in range(n_sub):
        cid = exercise_cards[i % len(exercise_cards)]
        diag = (json.dumps({"id": f"misconception-{i % 7}", "text": "why"})
                if statuses[i] == "failed" and i % 3 else "null")
        subs.append((cid, f"card-{cid - 1}", "pass", str(statuses[i]),
                     f'{{"status": "{statuses[i]}", "diagnosis": {diag}}}',
                     int(rng.integers(20, 400)), sub_txt[i]))
    conn.executemany(
        "INSERT INTO submissions (card_id, exercise_id, code, status, verdict, device, duration_ms,"
        " created_at) VALUES (?,?,?,?,?,'cpu',?,?)",
        subs,
    )
    conn.execute("COMMIT")
    conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--db", help="a SQLite file/URL to reuse (or build once at), or a PostgreSQL URL")
    parser.add_argument("--zone", default=None, help="IANA time zone for study days (default: local)")
    args = parser.parse_args(argv)

    from zoneinfo import ZoneInfo

    from bench_db import copy_sqlite_into, is_server_url, server_has_data, sqlite_path_of

    from studyapp.clock import FixedClock
    from studyapp.stats import compute_stats

    zone = ZoneInfo(args.zone) if args.zone else None
    server = is_server_url(args.db)
    with tempfile.TemporaryDirectory() as tmp:
        path = sqlite_path_of(args.db) or Path(tmp) / "stats-bench.db"
        if not path.exists() and not (server and server_has_data(args.db)):
            t0 = time.perf_counter()
            build(path, n_logs=args.logs, n_cards=args.cards)
            print(f"built {args.logs:,} review logs and {args.cards:,} cards "
                  f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            if server:
                copy_sqlite_into(args.db, path)
            os.sync()  # let the 280 MB just written reach the disk before timing anything
        db = open_database(args.db if server else f"sqlite:///{path}")
        clock = FixedClock(NOW)
        for _ in range(args.warmup):  # not timed: first touch of the file's pages
            with db.unit_of_work() as session:
                compute_stats(session, clock.now(), zone=zone)
        times, cpu = [], []
        load_before = os.getloadavg()[0]
        for run in range(args.runs):
            t0, c0 = time.perf_counter(), time.process_time()
            with db.unit_of_work() as session:
                page = compute_stats(session, clock.now(), zone=zone)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            print(f"run {run + 1}: {times[-1]:.1f} ms ({cpu[-1]:.0f} ms of CPU)", file=sys.stderr)
        db.dispose()
    summary = page.summary()
    result = {
        "stats_1m_ms": round(statistics.median(times), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "cpu_ms": round(statistics.median(cpu), 1),  # both lanes together
        "runs": args.runs,
        "load_1m": round(load_before, 2),  # other work on the machine while it ran
        "cpus": os.cpu_count(),
        "review_logs": args.logs,
        "cards": args.cards,
        "engine": "postgresql" if server else "sqlite",
        **{k: summary[k] for k in ("total_reviews", "estimated_knowledge", "log_loss")},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
