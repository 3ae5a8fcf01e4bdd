"""Start the TUI from the CLI context."""

from __future__ import annotations

from studyapp.tui import startup_gc


def launch_tui(ctx, *, exercise_card_id: int | None = None) -> int:
    """Run the app (on one exercise, for `studyapp practice`)."""
    startup_gc.pause()  # until the dashboard is drawn (startup_gc says why)
    # deferred: the CLI imports this module; textual loads only when the TUI starts
    from studyapp.tui.app import StudyApp

    app = StudyApp(
        # opened by the dashboard's worker after the first frame, not here
        database=lambda: ctx.synced_database,
        clock=ctx.clock,
        grader_factory=make_grader,
        start_exercise=exercise_card_id,
    )
    app.run()
    return app.return_code or 0


def make_grader(device: str, database):
    """The grading client: its worker (the only process with torch) starts in the background."""
    # deferred: the grader starts after the first frame; grading and content load then
    from studyapp.content.service import configured_roots
    from studyapp.grading.client import GraderClient

    return GraderClient(device=device, roots=configured_roots(database))
