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
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = 86400
SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null,
    scm integer not null, ver integer not null, dty integer not null, usn integer not null,
    ls integer not null, conf text not null, models text not null, decks text not null,
    dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null,
    mod integer not null, usn integer not null, tags text not null, flds text not null,
    sfld integer not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null,
    ord integer not null, mod integer not null, usn integer not null, type integer not null,
    queue integer not null, due integer not null, ivl integer not null, factor integer not null,
    reps integer not null, lapses integer not null, left integer not null, odue integer not null,
    odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null,
    ease integer not null, ivl integer not null, lastIvl integer not null,
    factor integer not null, time integer not null, type integer not null);
"""
BASIC = {
    "id": 1342697561419, "name": "Basic", "type": 0,
    "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
    "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}",
               "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
}
DECKS = {str(i): {"id": i, "name": name, "conf": 1}
         for i, name in ((1, "Default"), (2, "Bench"), (3, "Bench::Part A"), (4, "Bench::Part B"))}


def build(path: Path, cards: int, reviews_per_card: int, seed: int = 1) -> Path:
    rng = random.Random(seed)
    created = int(NOW.timestamp()) - 400 * DAY
    collection = path.with_suffix(".anki21")
    conn = sqlite3.connect(collection)
    conn.executescript(SCHEMA)
    conf = {"rollover": 4, "fsrs": True}
    dconf = {"1": {"id": 1, "name": "Default", "desiredRetention": 0.9}}
    conn.execute("INSERT INTO col VALUES (1, ?, 0, 0, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
                 (created, json.dumps(conf), json.dumps({str(BASIC["id"]): BASIC}), json.dumps(DECKS),
                  json.dumps(dconf)))
    notes, card_rows, revlog = [], [], []
    stamp_ms = (created + DAY) * 1000
    for index in range(cards):
        nid = created * 1000 + index
        notes.append((nid, f"bench{index:06d}", BASIC["id"], created, -1, " bench ",
                      f"Question number {index} about <b>tensors</b>\x1fAnswer {index}", f"Question {index}", 0, 0, ""))
        moment = created + rng.randint(0, 30) * DAY + rng.randint(0, DAY - 1)
        interval = 0
        for step in range(reviews_per_card):
            ease = rng.choices((1, 2, 3, 4), weights=(10, 10, 70, 10))[0]
            kind = 0 if step == 0 else 1
            interval = 1 if ease == 1 else min(30, max(1, int(interval * 1.6) + 1))
            stamp_ms += 1
            revlog.append((moment * 1000 + index % 1000, nid, -1, ease, interval, 0, 2500, rng.randint(2000, 9000),
                           kind))
            moment += interval * DAY + rng.randint(-3 * 3600, 3 * 3600)
        due_day = (moment - created) // DAY
        card_rows.append((nid, nid, 2 + index % 3, 0, created, -1, 2, 2, due_day, interval, 2500,
                          reviews_per_card, 0, 0, 0, 0, 0,
                          json.dumps({"s": 10.0 + index % 50, "d": 5.0, "lrt": moment - interval * DAY})))
    # a review in the future would be left out: keep every review before NOW
    horizon = int(NOW.timestamp() * 1000)
    revlog = [row for row in revlog if row[0] < horizon]
    seen: set[int] = set()
    unique = []
    for row in revlog:
        stamp = row[0]
        while stamp in seen:
            stamp += 1
        seen.add(stamp)
        unique.append((stamp, *row[1:]))
    conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", notes)
    conn.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", card_rows)
    conn.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", unique)
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(collection, "collection.anki21")
        archive.writestr("media", "{}")
    collection.unlink()
    return path


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
