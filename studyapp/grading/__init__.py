"""Sandboxed, warm grading of PyTorch exercise submissions against torch itself.

Importing this package (or ``studyapp.grading.client``) never imports torch or textual:
torch lives only in the worker process (``studyapp.grading.worker``) and its fork server.
The names below are loaded on first use, so ``studyapp grade``'s warm path (which only
needs ``server`` and ``verdict``) does not pay for the client's imports.
See ``docs/grader.md`` for the design and ``content/README.md`` for the exercise format.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "GraderClient": "client",
    "GraderError": "client",
    "grade_code": "client",
    "ExerciseMeta": "exercises",
    "GradingError": "exercises",
    "MutantMeta": "exercises",
    "UnknownExercise": "exercises",
    "list_exercises": "exercises",
    "load_exercise": "exercises",
    "STATUSES": "verdict",
    "TEST_STATUSES": "verdict",
    "Diagnosis": "verdict",
    "TestResult": "verdict",
    "Verdict": "verdict",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
