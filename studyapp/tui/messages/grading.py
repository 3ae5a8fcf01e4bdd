"""How a grading run on the exercise screen ended."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.grading.verdict import Verdict


@dataclass
class GradeFinished(Message):
    """A grading run ended with a verdict (its submission is stored).

    Attributes:
        verdict: the grader's verdict on the code.
        code: the code that was graded (the editor may have changed since).
        attempt: the run's number in this visit, from 1.
    """

    verdict: Verdict
    code: str
    attempt: int


@dataclass
class GradeFailed(Message):
    """The grader itself failed (not the submission).

    Attributes:
        error: the exception, one line.
        attempt: the run's number in this visit, from 1.
    """

    error: str
    attempt: int
