"""Short human texts for times and intervals, as on Anki's buttons ("10m", "3d", "1.5mo")."""

from __future__ import annotations

from datetime import datetime, timedelta

from studyapp.humanize import duration  # noqa: F401 - re-exported for the screens


def interval(delta: timedelta) -> str:
    seconds = max(0, delta.total_seconds())
    if seconds < 60:
        return f"{int(seconds)}s"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    if days < 365:
        months = days / 30
        return f"{months:.1f}mo".replace(".0mo", "mo")
    years = days / 365
    return f"{years:.1f}y".replace(".0y", "y")


def relative(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "—"
    delta = moment - now
    if abs(delta.total_seconds()) < 60:
        return "now"
    if delta.total_seconds() > 0:
        return f"in {interval(delta)}"
    return f"{interval(-delta)} ago"


def short_date(moment: datetime | None, *, year: bool = True) -> str:
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%Y-%m-%d %H:%M" if year else "%m-%d %H:%M")
