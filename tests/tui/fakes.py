"""A fake grader that implements the app's Grader port (studyapp.tui.grader) and answers
with the grader's own Verdict objects, at once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from studyapp.grading.verdict import Diagnosis, TestResult, Verdict

EXERCISE = "toy-add"


def passed_verdict(exercise: str = EXERCISE) -> Verdict:
    return Verdict(exercise, "passed", "cpu", 12, [
        TestResult("default_f32", "passed", "default"),
        TestResult("odd_shapes", "passed", "odd shapes"),
        TestResult("float64", "passed", "float64"),
    ])


def failed_verdict(exercise: str = EXERCISE) -> Verdict:
    return Verdict(
        exercise, "failed", "cpu", 12,
        [
            TestResult("default_f32", "failed", "default", "values differ", 2.0, 1.0, 0, [1, 2],
                       3.0, -1.0),
            TestResult("odd_shapes", "failed", "odd shapes", "values differ", 4.0, 1.0, 0, [0],
                       5.0, 1.0),
            TestResult("float64", "passed", "float64"),
        ],
        Diagnosis("subtracts", "Your function subtracts b from a: it returns a - b where the "
                               "sum a + b is wanted."),
    )


@dataclass
class FakeGrader:
    """Passes code that adds, fails (with a diagnosis) code that subtracts."""

    warming: bool = False
    error: str | None = None
    alive: bool = True
    restarts: int = 0
    delay: float = 0.0
    calls: list[tuple[str, str, int | None]] = field(default_factory=list)
    started: bool = False
    closed: bool = False

    def start(self) -> None:
        self.started = True

    async def grade(self, exercise_id: str, code: str, *,
                    variant_seed: int | None = None) -> Verdict:
        self.calls.append((exercise_id, code, variant_seed))
        if self.delay:
            await asyncio.sleep(self.delay)
        return passed_verdict(exercise_id) if "a + b" in code else failed_verdict(exercise_id)

    def close(self) -> None:
        self.closed = True
