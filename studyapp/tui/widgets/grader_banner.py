"""A banner while the grader warms up, restarts, or is gone; hidden whenever it is ready
(it clears by itself once a restarted grader works again)."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Static

from studyapp.tui.grader import Grader, grader_problem, grader_state

__all__ = ["GraderBanner", "grader_state"]

MESSAGES = {
    # its worker died and is being replaced; a pending run is retried by itself
    "restarting": "⏳ The grader is restarting. Keep typing; checks run as soon as it is back.",
    "warming": "⏳ The grader is warming up (loading torch). Keep typing; "
               "ctrl+r runs as soon as it is ready.",
    "missing": "No grader is running, so checks cannot run here (try `studyapp grade`).",
}


class GraderBanner(Static):
    """Polls `current_grader` (the app replaces its grader when the device changes):
    the client's state is read from its public properties only."""

    DEFAULT_CSS = """
    GraderBanner { height: auto; padding: 0 1; background: $warning 30%; color: $text; }
    GraderBanner.-failed { background: $error 30%; }
    """

    def __init__(
        self, current_grader: Callable[[], Grader | None], *, id: str | None = None
    ) -> None:
        super().__init__("", id=id)
        self.current_grader = current_grader

    def on_mount(self) -> None:
        self.refresh_state()
        self.set_interval(0.3, self.refresh_state)

    def refresh_state(self) -> None:
        grader = self.current_grader()
        state = grader_state(grader)
        self.set_class(state in ("failed", "missing"), "-failed")
        if state == "warming" and grader is not None and grader.restarts:
            self.update(MESSAGES["restarting"])
        elif state == "failed":
            self.update(f"The grader stopped: {grader_problem(grader)}")
        elif state in MESSAGES:
            self.update(MESSAGES[state])
        self.display = state != "ready"
