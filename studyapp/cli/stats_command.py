"""`studyapp stats [--json]`: where the learner stands (the numbers of the Stats screen)."""

from __future__ import annotations

import argparse
import json

from studyapp.errors import UserError
from studyapp.humanize import duration


def register(subparsers, parents) -> None:
    stats = subparsers.add_parser(
        "stats",
        parents=parents,
        help="progress: activity, retention, outlook, mastery, calibration",
        description="Activity and streaks, true retention, the due forecast and estimated "
        "knowledge, mastery by topic and exercise, "
        "and how well FSRS's predictions match your reviews.",
    )
    stats.add_argument(
        "--json", action="store_true", help="print one JSON document with every number"
    )
    stats.add_argument("--day-start-hour", type=int, metavar="H", default=None,
                       help="hour the study day starts (default: the setting, else 4)")
    stats.set_defaults(handler=run_stats)


def run_stats(args: argparse.Namespace, ctx) -> int:
    # deferred: CLI start-up (loaded by the command that needs it)
    from studyapp.stats import compute_stats

    if args.day_start_hour is not None and not 0 <= args.day_start_hour <= 23:
        raise UserError(f"--day-start-hour must be 0-23, not {args.day_start_hour}")
    with ctx.unit_of_work() as session:
        page = compute_stats(session, ctx.clock.now(), day_start_hour=args.day_start_hour)
    if args.json:
        ctx.print(json.dumps(page.as_dict(), indent=2, allow_nan=False))
    else:
        for line in render_text(page):
            ctx.print(line)
    return 0


# --------------------------------------------------------------------------- text


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def _duration(ms: int | float | None) -> str:
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms:.0f} ms"
    return duration(ms / 1000)


def _spark(values: list[int]) -> str:
    blocks = " ▁▂▃▄▅▆▇█"
    top = max(values) if values else 0
    if not top:
        return "·" * len(values)
    return "".join(blocks[0 if v == 0 else max(1, round(8 * v / top))] for v in values)


def render_text(page) -> list[str]:
    """The stats page as text: a heading, then one block per section, a blank line between."""
    heading = [
        f"Stats for {page.today} (days start at {page.day_start_hour:02d}:00, {page.time_zone})"
    ]
    blocks = [heading, _activity_lines(page.activity), _retention_lines(page.retention),
              _outlook_lines(page.outlook), _mastery_lines(page.mastery),
              _exercise_lines(page.mastery.exercises), _calibration_lines(page.calibration)]
    out: list[str] = []
    for block in blocks:
        out += [*block, ""]
    return out[:-1]


def _activity_lines(a) -> list[str]:
    out = ["Activity",
           f"  today: {a.reviews_today} reviews in {_duration(a.time_today_ms)}"
           f" · streak {a.current_streak} day(s), longest {a.longest_streak}"
           f" · {a.all_time_reviews} reviews in all"]
    for p in a.periods[1:]:
        out.append(f"  last {p.days:>3} days: {p.reviews:>7} reviews, {_duration(p.time_ms):>8},"
                   f" studied {p.days_studied}/{p.days} days")
    last = a.days[-84:]
    out.append(f"  last {len(last)} days: {_spark([d.reviews for d in last])}")
    return out


def _retention_lines(r) -> list[str]:
    out = ["True retention      young                mature               total"]
    for row in r.rows:
        cells = [f"{_pct(cell.retention):>6} ({cell.passed}/{cell.reviews})"
                 for cell in (row.young, row.mature, row.total)]
        out.append(f"  {row.period:<16}" + "".join(f"{cell:<21}" for cell in cells).rstrip())
    return out


def _outlook_lines(o) -> list[str]:
    k = o.card_counts
    avg = _pct(o.average_retrievability)
    return [
        "Outlook",
        f"  cards: {k.new} new · {k.learning} learning · {k.relearning} relearning · "
        f"{k.young} young · {k.mature} mature · {k.suspended} suspended",
        f"  due: {o.due_today} today ({o.overdue} overdue) · {o.due_tomorrow} tomorrow · "
        f"{o.due_next_30} in 30 days · {o.due_next_90} in 90 days",
        f"  next 30 days: {_spark([d.total for d in o.forecast[:30]])}",
        f"  estimated knowledge: {o.estimated_knowledge:.1f} of {o.reviewed_cards} cards"
        f" (average retrievability {avg}) · at risk: {o.at_risk}",
    ]


def _mastery_lines(m) -> list[str]:
    out = ["Mastery by topic (weakest first)"]
    for g in m.topics[:10]:
        out.append(f"  {g.name[:28]:<28} {_pct(g.mean_retrievability):>6}"
                   f"  {g.reviewed}/{g.cards} reviewed, {g.at_risk} at risk")
    if not m.topics:
        out.append("  (no cards)")
    return out


def _exercise_lines(e) -> list[str]:
    if not e.attempts:
        return ["Exercises", "  no submissions yet"]
    out = [
        "Exercises",
        f"  {e.attempts} attempts · pass rate {_pct(e.pass_rate)}"
        f" · first try {_pct(e.first_try_rate)}"
        f" · median time to pass {_duration(e.median_pass_ms)}",
    ]
    for x in e.exercises[:5]:
        out.append(f"  {x.exercise_id[:28]:<28} first try {_pct(x.first_try_rate):>6}"
                   f" · passed {x.passed}/{x.attempts}")
    if e.diagnoses:
        out.append("  misconceptions diagnosed most often:")
        for d in e.diagnoses[:5]:
            out.append(f"    {d.count:>4} × {d.id}: {d.text[:70]}")
    return out


def _calibration_lines(c) -> list[str]:
    out = ["Calibration (FSRS's predicted recall against your answers)"]
    if not c.reviews:
        return [*out, "  no scored reviews yet"]
    out.append(f"  {c.reviews} reviews scored ({c.same_day} same-day left out) · "
               f"log loss {c.log_loss:.4f} · RMSE(bins) {c.rmse_bins:.4f}")
    out.append(f"  predicted {_pct(c.mean_predicted)} on average, recalled {_pct(c.mean_observed)}")
    for b in c.bins:
        if b.count:
            out.append(f"    R {b.lower:.2f}-{b.upper:.2f}: {b.count:>7} reviews,"
                       f" predicted {_pct(b.predicted):>6}, recalled {_pct(b.observed):>6}")
    return out
