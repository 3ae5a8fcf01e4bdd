"""A banner while the grader warms up, restarts, or is gone; hidden whenever it is ready
(it clears by itself once a restarted grader works again)."""

from __future__ import annotations

from textual.widgets import Static


def grader_state(grader) -> str:
    """"missing", "warming", "ready" or "failed"."""
    if grader is None:
        return "missing"
    if grader_error(grader):
        return "failed"
    return "warming" if getattr(grader, "warming", False) else "ready"


def grader_error(grader) -> str | None:
    """Why the grader's worker is gone, when it is (GraderClient keeps the reason)."""
    reason = getattr(grader, "error", None) or getattr(grader, "_dead", None)
    return str(reason) if reason else None


class GraderBanner(Static):
    DEFAULT_CSS = """
    GraderBanner { height: auto; padding: 0 1; background: $warning 30%; color: $text; }
    GraderBanner.-failed { background: $error 30%; }
    """

    def on_mount(self) -> None:
        self.refresh_state()
        self.set_interval(0.3, self.refresh_state)

    def refresh_state(self) -> None:
        state = grader_state(getattr(self.app, "grader", None))
        self.set_class(state in ("failed", "missing"), "-failed")
        if state == "warming" and getattr(self.app.grader, "restarts", 0):
            # its worker died and is being replaced; a pending run is retried by itself
            self.update("⏳ The grader is restarting. Keep typing; checks run as soon as it is back.")
        elif state == "warming":
            self.update("⏳ The grader is warming up (loading torch). Keep typing; ctrl+r runs as soon as it is ready.")
        elif state == "missing":
            self.update("No grader is running, so checks cannot run here (try `studyapp grade`).")
        elif state == "failed":
            reason = (grader_error(self.app.grader) or "").splitlines()
            self.update(f"The grader stopped: {reason[0] if reason else 'no reason given'}")
        self.display = state != "ready"
