"""Two devices reviewing the same cards at the same moment lose nothing.

    .venv/bin/python benchmarks/concurrent_reviews.py [--db URL] [--cards 30] [--rounds 10]
                                                      [--processes 2]

Makes a deck of `--cards` cards in the database (default: a new SQLite file in a temp
folder; or an empty PostgreSQL database by URL), then starts `--processes` processes that
each rate every card once per round, for `--rounds` rounds, all at the same time. Every
rating reads the card's state and writes the new state and a log in one transaction, so
with no lost update each card's final `reps` equals the number of logs written for it.
`lost_reviews` counts the logs whose review the final states do not reflect.

The last line is one JSON object: {"reviews": N, "lost_reviews": 0, ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from studyapp.clock import FixedClock  # noqa: E402
from studyapp.content.loader import load_content  # noqa: E402
from studyapp.content.sync import sync_content  # noqa: E402
from studyapp.storage.db import open_database  # noqa: E402
from studyapp.storage.models import Card, CardState, ReviewLog  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

WORKER = """
import json, random, sys, time
sys.path.insert(0, sys.argv[1])
from studyapp.clock import SystemClock
from studyapp.scheduling.service import ReviewService
from studyapp.storage.db import open_database
url, ids, rounds, seed = sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
db = open_database(url, migrate=False)
service = ReviewService(db, SystemClock(), day_start_hour=4)
rng = random.Random(seed)
print("ready", flush=True)
sys.stdin.readline()  # every process starts rating at the same moment
times = []
for _ in range(rounds):
    for card_id in ids:
        t = time.perf_counter()
        service.review(card_id, rng.choice((1, 2, 3, 3, 3, 4)), duration_ms=1000)
        times.append(time.perf_counter() - t)
db.dispose()
print(json.dumps(times), flush=True)
"""


def make_deck(url: str, cards: int, folder: Path) -> list[int]:
    deck = "---\nid: concurrent\ntitle: Concurrent\ntopic: bench\norder: 1\n---\n\n" + "".join(
        f"## cc-{i}\nkind: basic\n\nQ: question {i}?\n\nA: answer {i}.\n\n" for i in range(cards))
    (folder / "decks").mkdir(parents=True)
    (folder / "decks" / "concurrent.md").write_text(deck, encoding="utf-8")
    db = open_database(url)
    with db.unit_of_work() as session:
        sync_content(session, load_content([folder]), FixedClock(NOW).now())
        ids = list(session.scalars(select(Card.id).where(Card.content_id.like("cc-%"))
                                   .order_by(Card.id)))
    db.dispose()
    return ids


def lost_reviews(url: str, ids: list[int]) -> tuple[int, int]:
    """(logs written, logs not reflected in the cards' final reps)."""
    db = open_database(url, migrate=False)
    with db.unit_of_work() as session:
        logs = dict(session.execute(select(ReviewLog.card_id, func.count(ReviewLog.id))
                                    .where(ReviewLog.card_id.in_(ids)).group_by(ReviewLog.card_id)).all())
        reps = dict(session.execute(select(CardState.card_id, CardState.reps)
                                    .where(CardState.card_id.in_(ids))).all())
    db.dispose()
    return sum(logs.values()), sum(max(0, n - (reps.get(c) or 0)) for c, n in logs.items())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="an empty database URL (default: a temp SQLite file)")
    parser.add_argument("--cards", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    root = str(Path(__file__).resolve().parents[1])
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'concurrent.db'}"
        ids = make_deck(url, args.cards, Path(tmp) / "content")
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, root, url, json.dumps(ids),
                                   str(args.rounds), str(seed)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                 for seed in range(args.processes)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        started = time.perf_counter()
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        times: list[float] = []
        for proc in procs:
            out, _ = proc.communicate(timeout=600)
            if proc.returncode != 0:
                print(f"a reviewing process failed (exit {proc.returncode})", file=sys.stderr)
                return 1
            times.extend(json.loads(out.strip().splitlines()[-1]))
        wall = time.perf_counter() - started
        written, lost = lost_reviews(url, ids)
    times.sort()
    print(json.dumps({
        "reviews": written,
        "lost_reviews": lost,
        "expected_reviews": args.cards * args.rounds * args.processes,
        "processes": args.processes,
        "review_p50_ms": round(statistics.median(times) * 1000, 2),
        "review_p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 2),
        "wall_s": round(wall, 2),
        "engine": "postgresql" if url.startswith("postgresql") else "sqlite",
    }))
    return 0 if lost == 0 and written == args.cards * args.rounds * args.processes else 1


if __name__ == "__main__":
    sys.exit(main())
