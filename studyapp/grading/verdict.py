"""The grader's answer: plain dataclasses, JSON-ready, no torch inside."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

# Overall statuses, most severe first: a verdict's status is the most severe of its tests'.
STATUSES = (
    "forbidden",
    "timeout",
    "memory_limit",
    "output_limit",
    "crashed",
    "invalid",
    "error",
    "failed",
    "passed",
)
# Test-level statuses add "skipped" (not reached because the run stopped earlier).
TEST_STATUSES = (*STATUSES, "skipped")

STATUS_TEXT = {
    "passed": "passed",
    "failed": "failed: the outputs differ from torch",
    "error": "error: the submission raised an exception",
    "timeout": "timeout: the submission ran too long",
    "memory_limit": "memory limit: the submission used too much memory",
    "output_limit": "output limit: the submission wrote too much output",
    "crashed": "crashed: the submission's process died from a signal",
    "forbidden": "forbidden: the submission used an API this exercise bans",
    "invalid": "invalid: the submission does not follow the exercise's contract",
    "cancelled": "cancelled",
}


def worst(statuses: list[str]) -> str:
    order = {s: i for i, s in enumerate(STATUSES)}
    real = [s for s in statuses if s in order]
    return min(real, key=order.__getitem__) if real else "passed"


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


@dataclass
class TestResult:
    name: str
    status: str
    regime: str = ""
    message: str = ""
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    first_bad_step: int | None = None  # 1-based, as shown to the learner
    worst_index: list[int] | None = None
    expected: float | None = None
    got: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "regime": self.regime,
            "message": self.message,
            "max_abs_err": _clean(self.max_abs_err),
            "max_rel_err": _clean(self.max_rel_err),
            "first_bad_step": self.first_bad_step,
            "worst_index": self.worst_index,
            "expected": _clean(self.expected),
            "got": _clean(self.got),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TestResult:
        def num(v: Any) -> float | None:
            if isinstance(v, str):
                return float(v)
            return cast("float | None", v)

        return cls(
            name=d["name"], status=d["status"], regime=d.get("regime", ""),
            message=d.get("message", ""), max_abs_err=num(d.get("max_abs_err")),
            max_rel_err=num(d.get("max_rel_err")), first_bad_step=d.get("first_bad_step"),
            worst_index=d.get("worst_index"), expected=num(d.get("expected")),
            got=num(d.get("got")),
        )


@dataclass
class Diagnosis:
    """A named mistake, disclosed in tiers: ``what`` is wrong (shown on the first failure),
    ``fix`` says how to repair it (shown on the hint key or a second failure with the same
    ``id``), ``evidence`` says which outputs matched.  ``text`` is the whole explanation
    (what and fix) as one paragraph.  ``source``: "mutant" (a known mistake of this
    exercise), "probe" (a contract probe), or "starter" (the unchanged starter)."""

    id: str
    text: str
    what: str = ""
    fix: str = ""
    evidence: str = ""
    source: str = "mutant"

    def __post_init__(self) -> None:
        if not self.what:
            self.what = self.text

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "what": self.what, "fix": self.fix,
                "evidence": self.evidence, "source": self.source}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Diagnosis:
        return cls(str(d["id"]), str(d["text"]), what=str(d.get("what") or ""),
                   fix=str(d.get("fix") or ""), evidence=str(d.get("evidence") or ""),
                   source=str(d.get("source") or "mutant"))


@dataclass
class Verdict:
    exercise: str
    status: str
    device: str
    duration_ms: int
    tests: list[TestResult] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    message: str = ""  # one plain sentence about the whole run (why it stopped)
    stdout: str = ""  # the head of what the submission printed
    variant_seed: int | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "status": self.status,
            "device": self.device,
            "duration_ms": self.duration_ms,
            "tests": [t.to_json() for t in self.tests],
            "diagnosis": self.diagnosis.to_json() if self.diagnosis else None,
            "message": self.message,
            "stdout": self.stdout,
            "variant_seed": self.variant_seed,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Verdict:
        diag = d.get("diagnosis")
        return cls(
            exercise=d["exercise"], status=d["status"], device=d.get("device", "cpu"),
            duration_ms=int(d.get("duration_ms", 0)),
            tests=[TestResult.from_json(t) for t in d.get("tests", [])],
            diagnosis=Diagnosis.from_json(diag) if diag else None,
            message=d.get("message", ""), stdout=d.get("stdout", ""),
            variant_seed=d.get("variant_seed"),
        )

    def summary(self) -> str:
        n_pass = sum(t.status == "passed" for t in self.tests)
        return f"{self.exercise}: {self.status} ({n_pass}/{len(self.tests)} checks passed)"
