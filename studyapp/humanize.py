"""Numbers as people read them; shared by the CLI and the TUI."""

from __future__ import annotations


def duration(seconds: float) -> str:
    """`42s`, `3m 05s`, `2h 07m`."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"
