"""The grader as the app sees it: the port its screens are written against.

`studyapp.grading.client.GraderClient` implements it (its worker process is the only one
with torch); the tests implement it with a fake that answers at once. Nothing here
imports the grading package at run time: the UI reaches its first frame without it.

A run is cancelled by cancelling the task awaiting `grade` (the client then kills the
sandboxed child); there is no separate cancel call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from studyapp.grading.verdict import Verdict


@runtime_checkable
class Grader(Protocol):
    """A long-lived grader: started once, asked to grade many times, closed at exit."""

    @property
    def warming(self) -> bool:
        """True while it is starting (started, not ready yet)."""
        ...

    @property
    def error(self) -> str | None:
        """Why it could not start; None while it starts or runs."""
        ...

    @property
    def alive(self) -> bool:
        """Its worker is running (False once it died and was not replaced, or was closed)."""
        ...

    # How many times a dead worker was replaced (a plain attribute on the client).
    restarts: int

    def start(self) -> None:
        """Start in the background; returns at once. Idempotent."""
        ...

    async def grade(self, exercise_id: str, code: str, *,
                    variant_seed: int | None = None) -> Verdict:
        """Grade `code` against exercise `exercise_id`; never blocks the event loop."""
        ...

    def close(self) -> None:
        """Stop the grader and every process it started."""
        ...


def grader_state(grader: Grader | None) -> str:
    """"missing", "warming", "ready" or "failed"."""
    if grader is None:
        return "missing"
    if grader.error:
        return "failed"
    if grader.warming:
        return "warming"
    # a worker that died after it was ready and was not replaced (too many deaths in a
    # row): the next run starts a new one
    return "ready" if grader.alive else "failed"


def grader_problem(grader: Grader | None) -> str:
    """One line on why the grader is not there, for the banner."""
    if grader is None:
        return "no grader"
    lines = (grader.error or "").splitlines()
    if lines:
        return lines[0]
    return "its worker exited; the next run starts a new one"
