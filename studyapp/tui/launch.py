"""Start the TUI from the CLI context."""

from __future__ import annotations


def launch_tui(ctx) -> int:
    from studyapp.tui.app import StudyApp

    app = StudyApp(database=ctx.database, clock=ctx.clock)
    app.run()
    return app.return_code or 0
