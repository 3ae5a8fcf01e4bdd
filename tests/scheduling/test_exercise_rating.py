"""The grader's outcome becomes the rating (issue 4)."""

import pytest

from studyapp.scheduling.exercises import AGAIN, EASY, GOOD, HARD, exercise_rating, variant_seed

BASE = dict(passed=True, failed_attempts=0, hints_used=0, revealed=False, gave_up=False, seconds=900,
            target_seconds=600)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, GOOD),  # first submission, no hint, over target time
        ({"seconds": 599}, EASY),  # ... and under the target
        ({"seconds": 600}, GOOD),  # exactly the target is not under it
        ({"seconds": 0}, EASY),
        ({"seconds": 10, "target_seconds": 0}, GOOD),  # no target: never Easy
        ({"failed_attempts": 1}, HARD),
        ({"failed_attempts": 3, "seconds": 10}, HARD),  # fast but not first time
        ({"hints_used": 1}, HARD),
        ({"hints_used": 2, "seconds": 10}, HARD),
        ({"failed_attempts": 2, "hints_used": 3}, HARD),
        ({"revealed": True}, AGAIN),  # passed after seeing the solution
        ({"revealed": True, "seconds": 10}, AGAIN),
        ({"gave_up": True, "passed": False}, AGAIN),
        ({"gave_up": True}, AGAIN),
        ({"passed": False}, AGAIN),
        ({"passed": False, "failed_attempts": 5, "hints_used": 3}, AGAIN),
        ({"passed": False, "revealed": True}, AGAIN),
    ],
)
def test_exercise_rating_rules(changes, expected):
    assert exercise_rating(**{**BASE, **changes}) == expected


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        exercise_rating(**{**BASE, "failed_attempts": -1})


def test_variant_seed_is_fresh_per_review_and_reproducible():
    assert variant_seed(7, 0) == variant_seed(7, 0)
    assert len({variant_seed(7, r) for r in range(50)}) == 50
    assert variant_seed(7, 1) != variant_seed(8, 1)
