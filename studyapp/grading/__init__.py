"""Sandboxed, warm grading of PyTorch exercise submissions against torch itself.

Importing this package (or ``studyapp.grading.client``) never imports torch or textual:
torch lives only in the worker process (``studyapp.grading.worker``) and its fork server.
See ``docs/grader.md`` for the design and ``content/README.md`` for the exercise format.
"""

from .client import GraderClient, GraderError, grade_code
from .exercises import (
    ExerciseMeta,
    GradingError,
    MutantMeta,
    UnknownExercise,
    list_exercises,
    load_exercise,
)
from .verdict import STATUSES, TEST_STATUSES, Diagnosis, TestResult, Verdict

__all__ = [
    "STATUSES",
    "TEST_STATUSES",
    "Diagnosis",
    "ExerciseMeta",
    "GraderClient",
    "GraderError",
    "GradingError",
    "MutantMeta",
    "TestResult",
    "UnknownExercise",
    "Verdict",
    "grade_code",
    "list_exercises",
    "load_exercise",
]
