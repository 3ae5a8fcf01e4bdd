"""The app's screens' base: one place where a failed worker is reported.

Every worker runs with `exit_on_error=False` (harlequin's pattern): an exception in one
does not end the app; it ends here, as a notification, and the screen stays usable.
Textual calls this handler before a screen's own (for extra clean-up), never instead."""

from __future__ import annotations

from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

ResultType = TypeVar("ResultType")


def report_failed_worker(node: Screen[Any] | App[Any], event: Worker.StateChanged) -> None:
    """A worker of `node` that failed, as a notification (the app's few workers too)."""
    if event.state is not WorkerState.ERROR:
        return
    worker = event.worker
    node.log.error(f"worker {worker.name!r} failed: {worker.error!r}")
    what = worker.name or "finish a task"
    node.notify(f"Could not {what}: {worker.error}", severity="error", timeout=8)


class StudyScreen(Screen[ResultType]):
    """Dialogs are asked from plain async workers awaiting `app.push_screen_wait` (it must
    run in a worker). Such a worker finishes only when the learner answers, so its group
    ends in "-dialog": whatever waits for a screen's loading workers (the tests' settle)
    leaves those out (and must not hand `wait_for_complete` an empty list: Textual reads
    that as every worker, the dialog's included, which is what once hung pilot tests).
    Textual cancels a screen's workers when the screen is removed and all workers when
    the app exits, so an open dialog holds nothing up."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)
