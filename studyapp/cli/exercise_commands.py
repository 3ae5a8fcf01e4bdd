"""`studyapp practice EXERCISE` opens the TUI on one exercise (with its draft);
`studyapp exercise EXERCISE --starter FILE` (or `--draft FILE`) writes the starter or the
current draft to a file, for learners who work in their own editor with `grade --watch`."""

from __future__ import annotations

import argparse
from pathlib import Path

from studyapp.errors import UserError


def register(subparsers, parents) -> None:
    practice = subparsers.add_parser(
        "practice", parents=parents, help="open the app on one exercise (with your draft)",
        description="Open the TUI directly on EXERCISE, with your latest draft in the editor.")
    practice.add_argument(
        "exercise", metavar="EXERCISE", help="exercise id (see `studyapp exercises`)"
    )
    practice.set_defaults(handler=run_practice)

    exercise = subparsers.add_parser(
        "exercise", parents=parents, help="write an exercise's starter or your draft to a file",
        description="Write EXERCISE's starter code (--starter) or your current draft (--draft) to "
                    "FILE, e.g. to grade it with `studyapp grade EXERCISE FILE --watch`.")
    exercise.add_argument(
        "exercise", metavar="EXERCISE", help="exercise id (see `studyapp exercises`)"
    )
    what = exercise.add_mutually_exclusive_group(required=True)
    what.add_argument("--starter", metavar="FILE", type=Path, help="write the starter code to FILE")
    what.add_argument("--draft", metavar="FILE", type=Path,
                      help="write your current draft (the starter when there is none) to FILE")
    exercise.add_argument("--force", action="store_true", help="overwrite FILE when it exists")
    exercise.set_defaults(handler=run_exercise)


def exercise_card(session, exercise_id: str):
    """The exercise's card, or a UserError naming the exercises there are."""
    # deferred: CLI start-up (loaded by the command that needs it)
    from sqlalchemy import select

    from studyapp.storage.models import Card

    card = session.scalars(
        select(Card).where(
            Card.content_id == exercise_id, Card.kind == "exercise", Card.retired.is_(False)
        )
    ).first()
    if card is None:
        known = session.scalars(
            select(Card.content_id)
            .where(Card.kind == "exercise", Card.retired.is_(False))
            .order_by(Card.content_id)
        ).all()
        hint = (
            f" (one of: {', '.join(known)})"
            if known
            else " (no exercises are loaded: run `studyapp sync`)"
        )
        raise UserError(f"no exercise {exercise_id!r}{hint}")
    return card


def run_practice(args: argparse.Namespace, ctx) -> int:
    # deferred: textual loads only when the app opens (layer contract)
    from studyapp.tui.launch import launch_tui

    with ctx.unit_of_work() as session:
        card_id = exercise_card(session, args.exercise).id
    return launch_tui(ctx, exercise_card_id=card_id)


def run_exercise(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.study.drafts import latest_code

    path: Path = args.starter or args.draft
    if path.exists() and not args.force:
        raise UserError(f"{path}: already exists (--force overwrites it)")
    if path.parent and not path.parent.is_dir():
        raise UserError(f"{path}: no such directory {str(path.parent)!r}")
    with ctx.unit_of_work() as session:
        card = exercise_card(session, args.exercise)
        starter = (card.extra or {}).get("starter", "")
        latest = latest_code(session, args.exercise) if args.draft else None
    if args.draft and latest is None:
        print(f"studyapp: no draft of {args.exercise} yet: writing the starter", file=ctx.stderr)
    code, what = (
        (latest[0], f"your {latest[2]} of {latest[1]:%Y-%m-%d %H:%M} UTC")
        if latest
        else (starter, "the starter")
    )
    try:
        path.write_text(code, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write: {exc.strerror or exc}") from None
    ctx.print(f"Wrote {what} of {args.exercise} to {path}. Grade it with: "
              f"studyapp grade {args.exercise} {path} --watch")
    return 0
