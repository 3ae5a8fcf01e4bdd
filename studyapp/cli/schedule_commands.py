"""`studyapp due` and `studyapp optimize`."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers, parents) -> None:
    due = subparsers.add_parser(
        "due",
        parents=parents,
        help="today's queue per deck (limits applied), tomorrow and the next 7 days",
        description="Per deck: today's new, learning and review cards (daily limits applied), "
        "the studied cards falling due tomorrow and over the next 7 days, "
        "and why a locked deck's new "
        "cards wait (after: the prerequisite deck).",
    )
    due.add_argument("--json", action="store_true", help="print one JSON document")
    due.add_argument("--deck", metavar="DECK", help="only this deck (its slug or its title)")
    due.set_defaults(handler=run_due)

    optimize = subparsers.add_parser(
        "optimize",
        parents=parents,
        help="fit FSRS parameters to your review history",
        description="Fit FSRS-6 parameters to your own review logs (per preset), report log loss "
        "and RMSE(bins) on held-out reviews before and after, and save them when they predict "
        "better.",
    )
    optimize.add_argument(
        "--deck",
        metavar="DECK",
        help="optimize the preset this deck (slug or title) uses (default: every preset)",
    )
    optimize.add_argument(
        "--yes",
        "--reschedule",
        "-y",
        dest="reschedule",
        action="store_true",
        default=None,
        help="reschedule existing cards with the new parameters without asking",
    )
    optimize.add_argument("--no-reschedule", dest="reschedule", action="store_false",
                          help="save the parameters but leave existing cards' due dates alone")
    optimize.add_argument("--force", action="store_true",
                          help="save the fitted parameters even if they do not predict better")
    optimize.add_argument("--json", action="store_true", help="print one JSON document")
    optimize.set_defaults(handler=run_optimize)


def _service(ctx):
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.scheduling.service import ReviewService

    return ReviewService(ctx.synced_database, ctx.clock)


def run_due(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.cli.deck_names import deck_slug
    from studyapp.cli.due_report import AHEAD_DAYS, DeckOutlook, due_ahead

    service = _service(ctx)
    slug = deck_slug(ctx, args.deck)
    rows = service.counts(slug, with_locks=True)
    starts = [service.today_end()]
    for _ in range(AHEAD_DAYS):
        starts.append(service.today_end(starts[-1]))
    # the scheduler's locks (prerequisite settings applied); a deck with no new cards has
    # nothing waiting, so nothing to report
    locks = {r.slug: r.lock for r in rows if r.lock is not None and r.lock.new_cards}
    with ctx.unit_of_work() as session:
        ahead = due_ahead(session, starts)
    outlooks = [ahead.get(r.slug, DeckOutlook()) for r in rows]
    if args.json:
        ctx.print(json.dumps(_due_document(service, rows, outlooks, locks, starts), indent=2))
        return 0
    header = f"{'deck':<22} {'new':>6} {'learning':>9} {'review':>7} {'tomorrow':>9} {'7 days':>7}"
    ctx.print(header)
    ctx.print("-" * len(header))
    for r, outlook in zip(rows, outlooks, strict=True):
        ctx.print(f"{r.slug:<22} {r.new:>6} {r.learning:>9} {r.review:>7} "
                  f"{outlook.tomorrow:>9} {outlook.next_7_days:>7}")
        if r.slug in locks:  # below the row, wrapped: titles are long, the table stays 65 wide
            lock = locks[r.slug]
            for line in _lock_lines(lock):
                ctx.print(line)
    ctx.print("-" * len(header))
    ctx.print(f"{'total':<22} {sum(r.new for r in rows):>6} {sum(r.learning for r in rows):>9} "
              f"{sum(r.review for r in rows):>7} {sum(o.tomorrow for o in outlooks):>9} "
              f"{sum(o.next_7_days for o in outlooks):>7}")
    return 0


def _lock_lines(lock, width: int = 79) -> list[str]:
    """"  N new locked, after: A (x/y studied), B (...)", a line break only between
    prerequisites so that each stays whole."""
    lines = [f"  {lock.new_cards} new locked, after: "]
    for i, p in enumerate(lock.waiting_for):
        comma = "," if i < len(lock.waiting_for) - 1 else ""
        text = f"{p.title} ({p.studied}/{p.total} studied){comma}"
        if (
            lines[-1].strip()
            and len(lines[-1]) + len(text) > width
            and not lines[-1].endswith(": ")
        ):
            lines[-1] = lines[-1].rstrip()
            lines.append("    ")
        lines[-1] += text + " "
    return [line.rstrip() for line in lines]


def _due_document(service, rows, outlooks, locks, starts) -> dict:
    decks = []
    for r, outlook in zip(rows, outlooks, strict=True):
        lock = locks.get(r.slug)
        decks.append({**r.as_dict(), "today": r.total, "tomorrow": outlook.tomorrow,
                      "next_7_days": outlook.next_7_days, "ahead": outlook.days,
                      "locked": lock is not None,
                      "lock": {"waiting": lock.new_cards, **lock.as_dict()} if lock else None})
    return {
        "day_start": service.today_start().isoformat(),
        "ahead_days": [s.isoformat() for s in starts[:-1]],
        "decks": decks,
        "total": {
            "new": sum(r.new for r in rows),
            "learning": sum(r.learning for r in rows),
            "review": sum(r.review for r in rows),
            "today": sum(r.total for r in rows),
            "tomorrow": sum(o.tomorrow for o in outlooks),
            "next_7_days": sum(o.next_7_days for o in outlooks),
        },
    }


def run_optimize(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.cli.deck_names import deck_slug
    from studyapp.scheduling.optimize import (
        NotEnoughReviews,
        optimize_preset,
        preset_names,
        reschedule_preset,
    )

    service = _service(ctx)  # reads the day-start hour the learner configured
    names = preset_names(ctx.synced_database, deck_slug(ctx, args.deck))
    results, refused = [], []
    for name in names:
        try:
            results.append(optimize_preset(
                ctx.synced_database, ctx.clock, name, force=args.force,
                day_start_hour=service.day_start_hour, zone=service.zone))
        except NotEnoughReviews as exc:
            if args.deck is not None or len(names) == 1:
                raise
            refused.append(str(exc))
    rescheduled: dict[str, int] = {}
    saved = [r for r in results if r.saved]
    reschedule = args.reschedule
    printed = False
    if reschedule is None and saved and not args.json and _interactive(ctx):
        ctx.print("\n".join(r.describe() for r in results))
        printed = True
        answer = input("Reschedule existing cards with the new parameters? [y/N] ").strip().lower()
        reschedule = answer in ("y", "yes")
    if reschedule:
        # with --reschedule every optimized preset is rescheduled with the parameters it now has
        for r in results:
            rescheduled[r.preset] = reschedule_preset(ctx.synced_database, ctx.clock, r.preset)
    if args.json:
        documents = [{**r.as_dict(), "rescheduled": rescheduled.get(r.preset, 0)} for r in results]
        ctx.print(json.dumps({"results": documents, "refused": refused}, indent=2))
        return 0
    if not printed:
        ctx.print("\n".join(r.describe() for r in results))
    for message in refused:
        ctx.print(f"skipped: {message}")
    for name, n in rescheduled.items():
        ctx.print(f"Rescheduled {n} cards of preset {name!r}.")
    if saved and not rescheduled:
        ctx.print("Existing cards keep their due dates; "
                  "run `studyapp optimize --reschedule` to reschedule them.")
    return 0


def _interactive(ctx) -> bool:
    stdin = sys.stdin
    return ctx.stdout is sys.stdout and hasattr(stdin, "isatty") and stdin.isatty()
