"""`studyapp due` and `studyapp optimize`."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers, parents) -> None:
    due = subparsers.add_parser("due", parents=parents, help="today's queue counts per deck (limits applied)")
    due.add_argument("--json", action="store_true", help="print one JSON document")
    due.add_argument("--deck", metavar="DECK", help="only this deck")
    due.set_defaults(handler=run_due)

    optimize = subparsers.add_parser(
        "optimize", parents=parents,
        help="fit FSRS parameters to your review history",
        description="Fit FSRS-6 parameters to your own review logs (per preset), report log loss and "
                    "RMSE(bins) on held-out reviews before and after, and save them when they predict better.",
    )
    optimize.add_argument("--deck", metavar="DECK", help="optimize the preset this deck uses (default: every preset)")
    optimize.add_argument("--yes", "--reschedule", "-y", dest="reschedule", action="store_true", default=None,
                          help="reschedule existing cards with the new parameters without asking")
    optimize.add_argument("--no-reschedule", dest="reschedule", action="store_false",
                          help="save the parameters but leave existing cards' due dates alone")
    optimize.add_argument("--force", action="store_true",
                          help="save the fitted parameters even if they do not predict better")
    optimize.add_argument("--json", action="store_true", help="print one JSON document")
    optimize.set_defaults(handler=run_optimize)


def _service(ctx):
    from studyapp.scheduling.service import ReviewService

    return ReviewService(ctx.database, ctx.clock)


def run_due(args: argparse.Namespace, ctx) -> int:
    """Today's queue per deck (a locked deck says what it waits for), then what falls due
    tomorrow and over the next 7 days."""
    service = _service(ctx)
    rows = service.counts(args.deck, with_locks=True)
    ahead = service.due_ahead(7, args.deck)
    tomorrow = ahead[0][1] if ahead else 0
    week = sum(n for _, n in ahead)
    if args.json:
        ctx.print(json.dumps({
            "day_start": service.today_start().isoformat(),
            "decks": [r.as_dict() for r in rows],
            "total": {
                "new": sum(r.new for r in rows),
                "learning": sum(r.learning for r in rows),
                "review": sum(r.review for r in rows),
            },
            "today": sum(r.total for r in rows),
            "tomorrow": tomorrow,
            "next_7_days": week,
            "ahead": [{"day": day.isoformat(), "due": n} for day, n in ahead],
        }, indent=2))
        return 0
    header = f"{'deck':<22} {'new':>6} {'learning':>9} {'review':>7}"
    ctx.print(header)
    ctx.print("-" * len(header))
    for r in rows:
        lock = f"  locked {r.lock.describe()}" if r.lock else ""
        ctx.print(f"{r.slug:<22} {r.new:>6} {r.learning:>9} {r.review:>7}{lock}")
    ctx.print("-" * len(header))
    ctx.print(f"{'total':<22} {sum(r.new for r in rows):>6} {sum(r.learning for r in rows):>9} "
              f"{sum(r.review for r in rows):>7}")
    ctx.print("")
    ctx.print(f"today {sum(r.total for r in rows)} · tomorrow {tomorrow} · next 7 days {week} "
              "(studied cards falling due; new cards come by the daily limit)")
    if any(r.lock for r in rows):
        ctx.print("A locked deck's new cards wait for its prerequisites: study it anyway in the app "
                  "(s or c on the dashboard), or turn the ordering off in Settings.")
    return 0


def run_optimize(args: argparse.Namespace, ctx) -> int:
    from studyapp.scheduling.optimize import (
        NotEnoughReviews,
        optimize_preset,
        preset_names,
        reschedule_preset,
    )

    service = _service(ctx)  # reads the day-start hour the learner configured
    names = preset_names(ctx.database, args.deck)
    results, refused = [], []
    for name in names:
        try:
            results.append(optimize_preset(ctx.database, ctx.clock, name, force=args.force,
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
            rescheduled[r.preset] = reschedule_preset(ctx.database, ctx.clock, r.preset)
    if args.json:
        ctx.print(json.dumps({
            "results": [{**r.as_dict(), "rescheduled": rescheduled.get(r.preset, 0)} for r in results],
            "refused": refused,
        }, indent=2))
        return 0
    if not printed:
        ctx.print("\n".join(r.describe() for r in results))
    for message in refused:
        ctx.print(f"skipped: {message}")
    for name, n in rescheduled.items():
        ctx.print(f"Rescheduled {n} cards of preset {name!r}.")
    if saved and not rescheduled:
        ctx.print("Existing cards keep their due dates; run `studyapp optimize --reschedule` to reschedule them.")
    return 0


def _interactive(ctx) -> bool:
    stdin = sys.stdin
    return ctx.stdout is sys.stdout and hasattr(stdin, "isatty") and stdin.isatty()
