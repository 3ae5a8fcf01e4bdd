"""A banner while the grader warms up (or when there is none); hidden once it is ready."""

from __future__ import annotations

from textual.widgets import Static


def grader_state(grader) -> str:
    """"missing", "warming", "ready" or "failed"."""
    if grader is None:
        return "missing"
    error = getattr(grader, "error", None)
    if error:
        return "failed"
    warming = getattr(grader, "warming", None)
    if warming is None:
        ready = getattr(grader, "ready", True)
        warming = not (ready() if callable(ready) else ready)
    return "warming" if warming else "ready"


class GraderBanner(Static):
    DEFAULT_CSS = """
    GraderBanner { height: auto; padding: 0 1; background: $warning 30%; color: $text; }
    GraderBanner.-failed { background: $error 30%; }
    """

    def on_mount(self) -> None:
        self.refresh_state()
        self._timer = self.set_interval(0.3, self.refresh_state)

    def refresh_state(self) -> None:
        state = grader_state(getattr(self.app, "grader", None))
        self.set_class(state in ("failed", "missing"), "-failed")
        if state == "warming":
            self.update("⏳ The grader is warming up (loading torch). Keep typing; ctrl+r runs as soon as it is ready.")
        elif state == "missing":
            self.update("No grader is running, so checks cannot run here (try `studyapp grade`).")
        elif state == "failed":
            self.update(f"The grader failed to start: {getattr(self.app.grader, 'error', '')}")
        self.display = state != "ready"
        if state == "ready" and hasattr(self, "_timer"):
            self._timer.pause()
