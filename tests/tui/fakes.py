"""A fake grader with the GraderClient's shape: start(), warming, async grade(), close()."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field


@dataclass
class FakeCheck:
    name: str
    status: str
    regime: str
    message: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    first_bad_step: int | None = None
    worst_index: list[int] | None = None
    expected: float | None = None
    got: float | None = None


@dataclass
class FakeDiagnosis:
    id: str
    text: str


@dataclass
class FakeVerdict:
    status: str
    tests: list[FakeCheck]
    diagnosis: FakeDiagnosis | None = None
    device: str = "cpu"
    duration_ms: int = 12

    def to_json(self) -> dict:
        return asdict(self)


def passed_verdict() -> FakeVerdict:
    return FakeVerdict("passed", [
        FakeCheck("default_f32", "passed", "default"),
        FakeCheck("odd_shapes", "passed", "odd shapes"),
        FakeCheck("float64", "passed", "float64"),
    ])


def failed_verdict() -> FakeVerdict:
    return FakeVerdict(
        "failed",
        [
            FakeCheck("default_f32", "failed", "default", "values differ", 2.0, 1.0, 0, [1, 2], 3.0, -1.0),
            FakeCheck("odd_shapes", "failed", "odd shapes", "values differ", 4.0, 1.0, 0, [0], 5.0, 1.0),
            FakeCheck("float64", "passed", "float64"),
        ],
        FakeDiagnosis("subtracts", "Your function subtracts b from a: it returns a - b where the sum a + b is wanted."),
    )


@dataclass
class FakeGrader:
    """Passes code that adds, fails (with a diagnosis) code that subtracts."""

    warming: bool = False
    delay: float = 0.0
    calls: list[tuple[str, str, int | None]] = field(default_factory=list)
    started: bool = False
    closed: bool = False

    def start(self) -> None:
        self.started = True

    async def grade(self, exercise_id: str, code: str, *, variant_seed: int | None = None):
        self.calls.append((exercise_id, code, variant_seed))
        if self.delay:
            await asyncio.sleep(self.delay)
        return passed_verdict() if "a + b" in code else failed_verdict()

    def close(self) -> None:
        self.closed = True
