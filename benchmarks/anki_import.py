"""Anki import: 10,000 cards with 100,000 reviews, history and FSRS state included.

Builds a package the way Anki lays one out (schema 11 `collection.anki21`, 10,000
Basic notes in three subdecks, ten revlog rows per card over a year, each card's FSRS
memory state in its data), then imports it into a new SQLite database in a fresh
process and measures the wall time and that process's peak memory (max RSS).

    python benchmarks/anki_import.py [--cards 10000] [--reviews-per-card 10]

Goals: <= 10 s and <= 300 MB peak. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: studyapp, tests

from tests.interop.anki_builder import BASIC, Collection  # noqa: E402  (one home for the tables)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400
DECKS = {str(i): {"id": i, "name": name, "conf": 1}
         for i, name in ((1, "Default"), (2, "Bench"), (3, "Bench::Part A"), (4, "Bench::Part B"))}


def build(path: Path, cards: int, reviews_per_card: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    created = int(NOW.timestamp()) - 400 * DAY
    collection = Collection(models=[BASIC], decks=DECKS, created=created, conf={"rollover": 4, "fsrs": True},
                            dconf={"1": {"id": 1, "name": "Default", "desiredRetention": 0.9}})
    horizon = int(NOW.timestamp() * 1000)  # a review in the future would be left out
    stamps: set[int] = set()
    for index in range(cards):
        nid = created * 1000 + index
        collection.note(nid, f"bench{index:06d}", BASIC["id"],
                        [f"Question number {index} about <b>tensors</b>", f"Answer {index}"], "bench",
                        ords=(), mod=created)
        moment = created + rng.randint(0, 30) * DAY + rng.randint(0, DAY - 1)
        interval = 0
        for step in range(reviews_per_card):
            ease = rng.choices((1, 2, 3, 4), weights=(10, 10, 70, 10))[0]
            interval = 1 if ease == 1 else min(30, max(1, int(interval * 1.6) + 1))
            stamp = moment * 1000 + index % 1000
            taken = rng.randint(2000, 9000)
            if stamp < horizon:
                while stamp in stamps:  # revlog ids are unique
                    stamp += 1
                stamps.add(stamp)
                collection.review(nid, stamp, ease, kind=0 if step == 0 else 1, taken=taken,
                                  interval=interval)
            moment += interval * DAY + rng.randint(-3 * 3600, 3 * 3600)
        collection.card(nid, nid, 2 + index % 3, card_type=2, queue=2, due=(moment - created) // DAY,
                        interval=interval, reps=reviews_per_card,
                        data=json.dumps({"s": 10.0 + index % 50, "d": 5.0, "lrt": moment - interval * DAY}))
    return collection.package(path, "collection.anki21", compression=zipfile.ZIP_DEFLATED)


def child(package: str, db_url: str) -> None:
    """The measured process: open a new database, import, print one JSON line."""
    started = time.perf_counter()
    from studyapp.interop.anki_import import import_anki
    from studyapp.storage.db import open_database

    database = open_database(db_url)
    opened, cpu_before = time.perf_counter(), time.process_time()
    summary = import_anki(database, Path(package), NOW)
    done, cpu_import = time.perf_counter(), time.process_time() - cpu_before
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    # CPU seconds too: on a shared machine the wall time also counts other processes' turns
    print(json.dumps({"added": summary.added, "reviews": summary.reviews, "import_s": round(done - opened, 3),
                      "import_cpu_s": round(cpu_import, 3), "process_cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
                      "total_s": round(done - started, 3), "peak_mb": round(peak_mb, 1)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--reviews-per-card", type=int, default=10)
    parser.add_argument("--child", nargs=2, metavar=("PACKAGE", "DB_URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory(prefix="studyapp-bench-anki-") as tmp:
        package = build(Path(tmp) / "bench.apkg", args.cards, args.reviews_per_card)
        db_url = f"sqlite:///{Path(tmp) / 'study.db'}"
        result = subprocess.run([sys.executable, __file__, "--child", str(package), db_url],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.stderr.write(result.stderr)
            raise SystemExit(result.returncode)
        measured = json.loads(result.stdout.strip().splitlines()[-1])
    measured.update({
        "benchmark": "anki_import", "cards": args.cards,
        "goal_s": 10, "goal_mb": 300,
        "ok": measured["import_s"] <= 10 and measured["peak_mb"] <= 300,
        "ok_cpu": measured["import_cpu_s"] <= 10 and measured["peak_mb"] <= 300,
    })
    print(json.dumps(measured))


if __name__ == "__main__":
    main()
