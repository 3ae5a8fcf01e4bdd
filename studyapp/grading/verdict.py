"""The grader's answer: plain dataclasses, JSON-ready, no torch inside."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .contract import JsonObject, JsonValue

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


def _clean(x: float | None) -> float | str | None:
    """A float JSON can carry: a non-finite one as the string ``nan``/``inf``/``-inf``."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _num(v: JsonValue) -> float | None:
    """Reverses ``_clean``; anything but a number or such a string reads as ``None``."""
    if isinstance(v, str):
        return float(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    return None


def _str(v: JsonValue, default: str = "") -> str:
    return v if isinstance(v, str) else default


def _int_or_none(v: JsonValue) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def _ints_or_none(v: JsonValue) -> list[int] | None:
    if not isinstance(v, list):
        return None
    return [i for i in v if isinstance(i, int) and not isinstance(i, bool)]


def _obj(v: JsonValue) -> JsonObject:
    if not isinstance(v, dict):
        raise ValueError(f"expected a JSON object, got {type(v).__name__}")
    return v


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

    def to_json(self) -> JsonObject:
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
    def from_json(cls, d: JsonValue) -> TestResult:
        d = _obj(d)
        return cls(
            name=_str(d["name"]), status=_str(d["status"]), regime=_str(d.get("regime")),
            message=_str(d.get("message")), max_abs_err=_num(d.get("max_abs_err")),
            max_rel_err=_num(d.get("max_rel_err")),
            first_bad_step=_int_or_none(d.get("first_bad_step")),
            worst_index=_ints_or_none(d.get("worst_index")), expected=_num(d.get("expected")),
            got=_num(d.get("got")),
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

    def to_json(self) -> JsonObject:
        return {"id": self.id, "text": self.text, "what": self.what, "fix": self.fix,
                "evidence": self.evidence, "source": self.source}

    @classmethod
    def from_json(cls, d: JsonValue) -> Diagnosis:
        d = _obj(d)
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

    def to_json(self) -> JsonObject:
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
    def from_json(cls, d: JsonValue) -> Verdict:
        d = _obj(d)
        diag, tests, ms = d.get("diagnosis"), d.get("tests"), d.get("duration_ms", 0)
        return cls(
            exercise=_str(d["exercise"]), status=_str(d["status"]),
            device=_str(d.get("device"), "cpu"),
            duration_ms=int(ms) if isinstance(ms, (int, float, str)) else 0,
            tests=[TestResult.from_json(t) for t in tests] if isinstance(tests, list) else [],
            diagnosis=Diagnosis.from_json(diag) if diag else None,
            message=_str(d.get("message")), stdout=_str(d.get("stdout")),
            variant_seed=_int_or_none(d.get("variant_seed")),
        )

    def summary(self) -> str:
        n_pass = sum(t.status == "passed" for t in self.tests)
        return f"{self.exercise}: {self.status} ({n_pass}/{len(self.tests)} checks passed)"
