"""Scheduler benchmark (issue 4): 100k cards and 1M review logs in a SQLite file.

    .venv/bin/python benchmarks/scheduler.py [--cards 100000] [--logs 1000000] [--runs 15]
                                             [--db postgresql+psycopg://...]

With `--db URL` of an empty PostgreSQL database the collection is built as usual and
copied into it (benchmarks/bench_db.py), and everything is measured there; the fitting
figures always use a SQLite file (they measure fsrs-rs, not the database).

Measures, on the file database the app would use (WAL, migrated):
- queue_ms: building the day's queue from scratch: a fresh ReviewService's next_card(), which
  plans every card of the day in order (learning, reviews, new; limits, siblings,
  prerequisites) and loads the first card; median
- queue_items_ms: a fresh service's queue(): the same plus every queued card's text; median
- counts_cold_ms: a fresh service's counts(); median
- next_card_ms / counts_ms / queue_warm_ms: the same during a study session, i.e. right after a
  rating, when the service revalidates and patches its snapshot instead of rescanning; medians
- review_p95_ms: rating a card (state + log committed in one transaction), p95 over many ratings
  (review_p50_ms: the median)
- optimize_100k_s: `optimize` on a history of 100k reviews simulated from known FSRS parameters:
  reading the logs, building the items, two fsrs-rs fits (train split and all) and two
  evaluations, median (fit_100k_s: one fsrs-rs fit of the 100k items alone)

Targets: queue <= 20 ms, review p95 <= 5 ms, fitting 100k reviews <= 2 s.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studyapp.clock import FixedClock  # noqa: E402
from studyapp.scheduling.optimize import fit_parameters, history_items, optimize_preset  # noqa: E402
from studyapp.scheduling.service import ReviewService  # noqa: E402
from studyapp.scheduling.simulate import make_deck, simulate_history, write_history  # noqa: E402
from studyapp.storage.db import open_database  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FMT = "%Y-%m-%d %H:%M:%S.%f"


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(FMT)


def build_collection(path: Path, n_cards: int, n_logs: int, n_decks: int, seed: int = 1,
                     new_fraction: float = 0.15) -> None:
    """A migrated database with decks, cards, states and review logs, written with sqlite3
    directly (the ORM would take minutes for a million rows)."""
    open_database(f"sqlite:///{path}").dispose()  # schema via the migrations
    rng = random.Random(seed)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    created = ts(NOW - timedelta(days=800))
    per_deck = n_cards // n_decks
    decks = []
    for d in range(n_decks):
        requires = json.dumps([f"deck-{d - 1}"] if d % 5 and d > 0 else [])  # chains of prerequisites
        decks.append((d + 1, f"deck-{d}", f"Deck {d}", "", "", requires, d, "", 0, created, created))
    conn.executemany("INSERT INTO decks (id, slug, title, description, topic, requires, position, source_path, "
                     "retired, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", decks)
    cards, states = [], []
    studied = []
    for i in range(n_cards):
        card_id = i + 1
        deck = i // per_deck if i // per_deck < n_decks else n_decks - 1
        position = i - deck * per_deck
        note = f"n{card_id - 1}" if position % 10 == 1 else f"n{card_id}"  # some reversed-card siblings
        front = f"Question {card_id}: " + "lorem ipsum " * 8
        cards.append((card_id, deck + 1, f"c{card_id}", note, "basic", position, f"deck-{deck}", front,
                      "Answer " + "dolor sit amet " * 6, "{}", "", 0, 0, "", 0, "", created, created))
        # later positions of the later decks are still new (content order)
        if new_fraction <= 0.5:
            is_new = deck >= n_decks * (1 - new_fraction * 2) and position >= per_deck // 2
        else:  # most of the collection new (a big import): the later part of every deck
            is_new = position >= per_deck * (1 - new_fraction)
        if is_new:
            states.append((card_id, 0, None, None, None, None, None, 0, 0))
            continue
        studied.append(card_id)
        roll = rng.random()
        stability = rng.lognormvariate(2.5, 1.2)
        last = NOW - timedelta(days=rng.uniform(0.2, 120), minutes=rng.randrange(1440))
        if roll < 0.002:  # (re)learning, due within the hour or later today
            state, step = rng.choice((1, 3)), 0
            due = NOW + timedelta(minutes=rng.randrange(-30, 600))
            last = due - timedelta(minutes=10)
        else:
            state, step = 2, None
            due = NOW + timedelta(days=rng.uniform(-3, 180))
            last = min(last, due - timedelta(days=1))
        states.append((card_id, state, step, stability, rng.uniform(1, 10), ts(due), ts(last),
                       rng.randrange(3, 20), rng.randrange(0, 3)))
    conn.executemany("INSERT INTO cards (id, deck_id, content_id, note_id, kind, position, topic, front, back, "
                     "extra, tags, suspended, retired, source_file, source_line, content_hash, created_at, "
                     "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)
    conn.executemany("INSERT INTO card_states (card_id, state, step, stability, difficulty, due, last_review, "
                     "reps, lapses) VALUES (?,?,?,?,?,?,?,?,?)", states)
    # logs: spread over two years, ~n_logs / studied per card; 150 of them earlier today
    per_card = max(1, n_logs // max(1, len(studied)))
    batch = []
    written = 0
    start = NOW - timedelta(days=730)
    today = NOW.replace(hour=5, minute=0)
    for card_id in studied:
        at = start + timedelta(days=rng.uniform(0, 30))
        for k in range(per_card):
            if written >= n_logs:
                break
            at = at + timedelta(days=rng.uniform(0.5, 60))
            if at >= NOW - timedelta(days=1):
                at = NOW - timedelta(days=1, minutes=rng.randrange(1, 1000))
            rating = rng.choices((1, 2, 3, 4), (10, 10, 70, 10))[0]
            prev_state = 0 if k == 0 else 2
            batch.append((card_id, rating, ts(at), 4000, "manual", prev_state, None, 5.0, 5.0, None, None, k,
                          0, 2, 6.0, 5.0, ts(at + timedelta(days=5)), 0.9))
            written += 1
        if len(batch) >= 50000:
            _insert_logs(conn, batch)
            batch = []
    for k in range(min(150, len(studied))):
        card_id = studied[rng.randrange(len(studied))]
        at = today + timedelta(seconds=20 * k)
        batch.append((card_id, 3, ts(at), 4000, "manual", 2, None, 5.0, 5.0, None, None, 5, 0, 2, 6.0, 5.0,
                      ts(at + timedelta(days=5)), 0.9))
    _insert_logs(conn, batch)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def _insert_logs(conn, rows) -> None:
    conn.executemany(
        "INSERT INTO review_logs (card_id, rating, reviewed_at, duration_ms, source, prev_state, prev_step, "
        "prev_stability, prev_difficulty, prev_due, prev_last_review, prev_reps, prev_lapses, state, stability, "
        "difficulty, due, retrievability) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)


CPU: dict[str, list[float]] = {}


def timed(fn, runs: int, label: str | None = None) -> list[float]:
    """Wall times of `runs` calls (and, under `label`, their CPU times: this machine is shared,
    and CPU time shows what the code costs when other processes take the cores)."""
    out = []
    for _ in range(runs):
        c, t = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
        if label:
            CPU.setdefault(label, []).append(time.process_time() - c)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--decks", type=int, default=50)
    parser.add_argument("--new-fraction", type=float, default=0.15, help="share of never-studied cards")
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--reviews", type=int, default=300, help="ratings timed for review_p95_ms")
    parser.add_argument("--fit-reviews", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to build the databases (default: a temp dir)")
    parser.add_argument("--db", default=None,
                        help="an empty PostgreSQL database URL to measure on (default: a SQLite file)")
    args = parser.parse_args()
    from bench_db import copy_sqlite_into, is_server_url

    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        build_collection(path, args.cards, args.logs, args.decks, new_fraction=args.new_fraction)
        print(f"built {args.cards} cards / {args.logs} logs in {time.perf_counter() - t:.1f} s", file=sys.stderr)

        url = f"sqlite:///{path}"
        if is_server_url(args.db):
            t = time.perf_counter()
            copy_sqlite_into(args.db, path)
            url = args.db
            print(f"copied into the server in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        database = open_database(url)
        clock = FixedClock(NOW)
        service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
        queue = service.queue()  # warm up (statement caches, page cache)
        kinds = {k: sum(i.queue == k for i in queue) for k in ("learning", "review", "new")}
        print(f"queue: {len(queue)} cards {kinds}", file=sys.stderr)

        def fresh(method):  # a service without a snapshot: the day's queue built from scratch
            return lambda: getattr(ReviewService(database, clock, day_start_hour=4, zone=UTC), method)()

        queue_runs = timed(fresh("next_card"), args.runs, "queue")
        queue_items_runs = timed(fresh("queue"), args.runs, "queue_items")
        counts_cold_runs = timed(fresh("counts"), args.runs)

        # rate cards as a learner would: the next card, then its rating (only the rating is timed)
        rng = random.Random(2)
        review_times, next_times, counts_times, queue_warm_times = [], [], [], []
        for n in range(args.reviews):
            t = time.perf_counter()
            item = service.next_card()
            next_times.append(time.perf_counter() - t)
            if item is None:
                break
            rating = rng.choices((1, 2, 3, 4), (10, 10, 70, 10))[0]
            rate = partial(service.review, item.card_id, rating, duration_ms=5000)
            review_times.extend(timed(rate, 1, "review"))
            if n % 10 == 0:
                counts_times.extend(timed(service.counts, 1))
                queue_warm_times.extend(timed(service.queue, 1))
            clock.advance(seconds=8)
        database.dispose()

        # fitting: a history simulated from known parameters, 100k reviews
        fit_path = Path(tmp) / "fit.db"
        fit_db = open_database(f"sqlite:///{fit_path}")
        per_card = 10
        histories = simulate_history(args.fit_reviews // per_card, per_card, seed=5, spread_days=365)
        with fit_db.unit_of_work() as session:
            write_history(session, make_deck(session, "sim"), histories)
        optimize_runs = timed(lambda: optimize_preset(fit_db, clock, "default", save=False, day_start_hour=4,
                                                      zone=UTC), 3)
        result = optimize_preset(fit_db, clock, "default", save=False, day_start_hour=4, zone=UTC)
        logs = [(i + 1, at, r, ps) for i, h in enumerate(histories) for at, r, ps, _, _ in h]
        items = history_items(logs, hour=4, zone=UTC)
        fit_runs = timed(lambda: fit_parameters(items), 3)
        fit_db.dispose()
        print(result.describe(), file=sys.stderr)

    figures = {
        "queue_ms": round(statistics.median(queue_runs) * 1000, 2),
        "review_p95_ms": round(p95(review_times) * 1000, 2),
        "optimize_100k_s": round(statistics.median(optimize_runs), 3),
        "next_card_ms": round(statistics.median(next_times) * 1000, 2),
        "counts_ms": round(statistics.median(counts_times) * 1000, 2),
        "queue_warm_ms": round(statistics.median(queue_warm_times) * 1000, 2),
        "queue_items_ms": round(statistics.median(queue_items_runs) * 1000, 2),
        "counts_cold_ms": round(statistics.median(counts_cold_runs) * 1000, 2),
        "review_p50_ms": round(statistics.median(review_times) * 1000, 2),
        "fit_100k_s": round(statistics.median(fit_runs), 3),
        "queue_cpu_ms": round(statistics.median(CPU["queue"]) * 1000, 2),
        "queue_items_cpu_ms": round(statistics.median(CPU["queue_items"]) * 1000, 2),
        "review_cpu_p95_ms": round(p95(CPU["review"]) * 1000, 2),
        "queue_size": len(queue),
        "reviews_timed": len(review_times),
        "fit_reviews": sum(len(h) for h in histories),
        "fit_items": result.items,
        "cards": args.cards,
        "logs": args.logs,
        "engine": "postgresql" if is_server_url(args.db) else "sqlite",
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
