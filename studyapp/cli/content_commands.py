"""`studyapp sync` and `studyapp decks`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers, parents) -> None:
    sync = subparsers.add_parser("sync", parents=parents, help="load content files into the database")
    sync.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="extra content folders (remembered for later syncs)")
    sync.add_argument("--trust", action="store_true",
                      help="trust new content folders: their exercise checks run as code on this machine")
    sync.set_defaults(handler=run_sync)

    decks = subparsers.add_parser("decks", parents=parents, help="list decks with new and due counts")
    decks.add_argument("--json", action="store_true", help="print one JSON document")
    decks.set_defaults(handler=run_decks)


def run_sync(args: argparse.Namespace, ctx) -> int:
    from studyapp.content.service import sync_folders

    summary = sync_folders(ctx.database, ctx.clock, args.paths, trust=args.trust)
    ctx.print(summary.describe())
    return 0


def run_decks(args: argparse.Namespace, ctx) -> int:
    from studyapp.scheduling.days import DAY_START_HOUR_KEY, DEFAULT_DAY_START_HOUR, next_day_start
    from studyapp.storage.queries import deck_counts
    from studyapp.storage.settings import get_setting

    with ctx.unit_of_work() as session:
        hour = int(get_setting(session, DAY_START_HOUR_KEY, DEFAULT_DAY_START_HOUR))
        rows = deck_counts(session, next_day_start(ctx.clock.now(), hour=hour))
    if args.json:
        ctx.print(json.dumps({"decks": [r.as_dict() for r in rows]}, indent=2))
        return 0
    header = f"{'deck':<22} {'cards':>6} {'new':>6} {'learning':>9} {'due':>6}"
    ctx.print(header)
    ctx.print("-" * len(header))
    for r in rows:  # subdecks indented under their parent; counts include subdecks
        name = "  " * r.depth + r.slug
        ctx.print(f"{name:<22} {r.cards:>6} {r.new:>6} {r.learning:>9} {r.due:>6}")
    return 0
