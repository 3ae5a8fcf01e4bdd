"""`studyapp sync` and `studyapp decks`."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from studyapp.errors import UserError


def register(subparsers, parents) -> None:
    sync = subparsers.add_parser(
        "sync", parents=parents, help="load content files into the database"
    )
    sync.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                      help="extra content folders (remembered for later syncs)")
    sync.add_argument(
        "--trust",
        action="store_true",
        help="trust new content folders that hold exercises: their checks run as code on this "
        "machine (a folder of decks alone needs no trust)",
    )
    sync.set_defaults(handler=run_sync)

    _register_add(subparsers, parents)

    decks = subparsers.add_parser(
        "decks", parents=parents, help="list decks with new and due counts"
    )
    decks.add_argument("--json", action="store_true", help="print one JSON document")
    decks.set_defaults(handler=run_decks)


def _register_add(subparsers, parents) -> None:
    add = subparsers.add_parser(
        "add",
        parents=parents,
        help="add a card (written as Markdown into your own content folder, then synced)",
        description="Add a basic card (--front/--back), a reversed pair (--reversed), a cloze "
        "(--cloze TEXT) or a multiple-choice card (--choice --front Q --right A --wrong B ...). "
        "The card is written into your own content folder (created on first use) and synced.",
    )
    add.add_argument(
        "--deck",
        metavar="DECK",
        required=True,
        help="the deck's id (slug) or title; a new title makes a new deck",
    )
    add.add_argument("--front", metavar="TEXT", help="the question")
    add.add_argument("--back", metavar="TEXT", help="the answer (choice: the explanation)")
    add.add_argument(
        "--reversed", action="store_true", help="also ask the answer, expecting the question"
    )
    add.add_argument(
        "--typed", action="store_true", help="the learner types the answer (basic cards)"
    )
    add.add_argument("--cloze", metavar="TEXT", help="a cloze text with {{c1::deletions}}")
    add.add_argument(
        "--extra", metavar="TEXT", default="", help="cloze: extra text shown with the answer"
    )
    add.add_argument(
        "--choice", action="store_true", help="a multiple-choice card: --front, --right and --wrong"
    )
    add.add_argument(
        "--right",
        metavar="TEXT",
        action="append",
        default=[],
        help="choice: a right option (repeatable)",
    )
    add.add_argument(
        "--wrong",
        metavar="TEXT",
        action="append",
        default=[],
        help="choice: a wrong option (repeatable)",
    )
    add.add_argument(
        "--tags", metavar="TAG", nargs="+", default=[], help="tags (space or comma separated)"
    )
    add.add_argument("--json", action="store_true", help="print one JSON document")
    add.set_defaults(handler=run_add)


def run_sync(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.content.service import sync_folders

    summary = sync_folders(ctx.synced_database, ctx.clock, args.paths, trust=args.trust)
    ctx.print(summary.describe())
    return 0


def run_decks(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.scheduling.days import next_day_start, read_day_start_hour
    from studyapp.storage.queries import deck_counts

    with ctx.unit_of_work() as session:
        hour = read_day_start_hour(session)
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


def run_add(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.content.authoring import NewCard, add_card

    tags = [t for tag in args.tags for t in re.split(r"[,\s]+", tag) if t]
    if args.cloze is not None:
        if args.choice or args.front:
            raise UserError("--cloze makes a cloze card: leave out --front and --choice")
        card = NewCard("cloze", args.deck, text=args.cloze, extra=args.extra, tags=tags)
    elif args.choice:
        if not args.right or not (args.right + args.wrong)[1:]:
            raise UserError("--choice needs --front, at least one --right and two options in all "
                            "(--right/--wrong)")
        options = [(True, t) for t in args.right] + [(False, t) for t in args.wrong]
        card = NewCard(
            "choice",
            args.deck,
            front=args.front or "",
            back=args.back or "",
            options=options,
            tags=tags,
        )
    else:
        if not args.front or not args.back:
            raise UserError("a card needs --front and --back (or --cloze TEXT, or --choice)")
        card = NewCard(
            "reversed" if args.reversed else "basic",
            args.deck,
            front=args.front,
            back=args.back,
            tags=tags,
            typed=args.typed,
        )
    added, summary = add_card(ctx.synced_database, ctx.clock, card)
    if args.json:
        ctx.print(json.dumps({"id": added.content_id, "deck": added.deck, "file": str(added.path),
                              "cards": added.cards, "sync": summary.describe()}))
        return 0
    made = f"{added.cards} cards" if added.cards != 1 else "1 card"
    ctx.print(f"Added {added.content_id} to {added.deck} ({made}), written to {added.path}.")
    return 0
