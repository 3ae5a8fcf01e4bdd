"""The app's screens' base: one place where a failed worker is reported.

Every worker runs with `exit_on_error=False` (harlequin's pattern): an exception in one
does not end the app; it ends here, as a notification, and the screen stays usable.
Textual calls this handler before a screen's own (for extra clean-up), never instead."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import Screen
from textual.worker import Worker, WorkerState

ResultType = TypeVar("ResultType")


class StudyScreen(Screen[ResultType]):
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        worker = event.worker
        self.log.error(f"worker {worker.name!r} failed: {worker.error!r}")
        what = worker.name or "finish a task"
        self.notify(f"Could not {what}: {worker.error}", severity="error", timeout=8)
