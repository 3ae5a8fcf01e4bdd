"""Exercises are cards too: the grader's outcome becomes the FSRS rating.

The rating returned here is a suggestion; the learner may override it before
ReviewService.review saves it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.scheduling.rating import Rating

# short names for the rules below (and their tests)
AGAIN, HARD, GOOD, EASY = Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY


def exercise_rating(
    *,
    passed: bool,
    failed_attempts: int,
    hints_used: int,
    revealed: bool,
    gave_up: bool,
    seconds: float,
    target_seconds: int,
) -> int:
    """Issue 4's rules.

    - solution revealed or gave up -> Again (even if a later submission passed)
    - not passed -> Again
    - passed after failed submissions or after a hint -> Hard
    - passed on the first submission with no hint -> Good, or Easy when also strictly
      under the exercise's target time (a target of 0 or less never gives Easy)
    """
    if failed_attempts < 0 or hints_used < 0:
        raise ValueError("failed_attempts and hints_used must not be negative")
    if revealed or gave_up or not passed:
        return AGAIN
    if failed_attempts > 0 or hints_used > 0:
        return HARD
    if target_seconds > 0 and 0 <= seconds < target_seconds:
        return EASY
    return GOOD


@dataclass(frozen=True)
class RatingSuggestion:
    """The rating the exercise screen offers, and why (the screen only shows it)."""

    rating: int
    reason: str

    @property
    def label(self) -> str:
        return Rating(self.rating).label


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def suggest_exercise_rating(
    *,
    runs: Sequence[bool],
    hints_used: int,
    revealed: bool,
    seconds: float | None,
    target_seconds: int,
) -> RatingSuggestion:
    """The one place the suggested rating of an exercise is worked out.

    `runs` is every graded run since the exercise was last reviewed, this visit's
    included, oldest first (True: passed); the last one is the code being submitted.
    `hints_used` counts hints and hidden formulas brought back; `seconds` is the time
    this visit took to its first pass. A pass counts as first-try only when the very
    first run passed: a failed run before it always makes it Hard at best.
    """
    failed = sum(1 for passed in runs if not passed)
    if revealed:
        return RatingSuggestion(AGAIN, "you revealed the solution")
    if not runs:
        return RatingSuggestion(AGAIN, "the checks have not run")
    if not runs[-1]:
        passes = len(runs) - failed
        earlier = f"; {passes} earlier run{'' if passes == 1 else 's'} passed" if passes else ""
        return RatingSuggestion(
            AGAIN, f"the checks did not pass ({_count(failed, 'failed run')}{earlier})"
        )
    rating = exercise_rating(
        passed=True,
        failed_attempts=failed,
        hints_used=hints_used,
        revealed=False,
        gave_up=False,
        seconds=seconds if seconds is not None else float("inf"),
        target_seconds=target_seconds,
    )
    if rating == HARD:
        parts = []
        if failed:
            parts.append(_count(failed, "failed run"))
        if hints_used:
            parts.append(_count(hints_used, "hint"))
        return RatingSuggestion(HARD, "passed after " + " and ".join(parts))
    timing = ""
    if seconds is not None and target_seconds > 0:
        timing = (
            f" in {round(seconds)}s, "
            + ("under" if rating == EASY else "over")
            + f" the {target_seconds}s target"
        )
    return RatingSuggestion(rating, "passed on the first run with no hint" + timing)


def variant_seed(card_id: int, reps: int) -> int:
    """A seed for the exercise's generator (shapes, hyperparameters, data), fresh for every
    review of the card but the same when the same review is retried or undone and redone,
    so an answer cannot be memorised and a session can be reproduced."""
    digest = hashlib.blake2b(f"studyapp-variant:{card_id}:{reps}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")
