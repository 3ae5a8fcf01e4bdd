"""Exercises are cards too: the grader's outcome becomes the FSRS rating.

The rating returned here is a suggestion; the learner may override it before
ReviewService.review saves it.
"""

from __future__ import annotations

import hashlib

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


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


def variant_seed(card_id: int, reps: int) -> int:
    """A seed for the exercise's generator (shapes, hyperparameters, data), fresh for every
    review of the card but the same when the same review is retried or undone and redone,
    so an answer cannot be memorised and a session can be reproduced."""
    digest = hashlib.blake2b(f"studyapp-variant:{card_id}:{reps}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big")
