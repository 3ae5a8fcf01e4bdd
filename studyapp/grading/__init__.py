"""Sandboxed, warm grading of PyTorch exercise submissions against torch itself.

Importing this package (or ``studyapp.grading.client``) never imports torch or textual:
torch lives only in the worker process (``studyapp.grading.worker``) and its fork server.
The names below are loaded on first use, so ``studyapp grade``'s warm path (which only
needs ``server`` and ``verdict``) does not pay for the client's imports.
See ``docs/grader.md`` for the design and ``content/README.md`` for the exercise format.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# What the type checker sees (``X as X``: re-exported); at run time ``__getattr__`` below
# imports each name on first use.
if TYPE_CHECKING:
    from .client import GraderClient as GraderClient
    from .client import GraderError as GraderError
    from .client import grade_code as grade_code
    from .exercises import ExerciseMeta as ExerciseMeta
    from .exercises import GradingError as GradingError
    from .exercises import MutantMeta as MutantMeta
    from .exercises import UnknownExercise as UnknownExercise
    from .exercises import list_exercises as list_exercises
    from .exercises import load_exercise as load_exercise
    from .verdict import STATUSES as STATUSES
    from .verdict import TEST_STATUSES as TEST_STATUSES
    from .verdict import Diagnosis as Diagnosis
    from .verdict import TestResult as TestResult
    from .verdict import Verdict as Verdict

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


def __getattr__(name: str) -> object:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
