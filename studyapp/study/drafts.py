"""Drafts and the submission history of an exercise.

The editor's text is saved per exercise as the learner types, so leaving the screen,
quitting or a crash never loses code; every graded attempt stays in `submissions`
(code, verdict, time) and can be listed, opened and diffed against the draft."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.storage.models import CardState, Draft, Submission


@dataclass(frozen=True)
class SavedDraft:
    exercise_id: str
    code: str
    updated_at: datetime


@dataclass(frozen=True)
class PastSubmission:
    id: int
    created_at: datetime
    status: str
    code: str
    verdict: dict[str, Any]


def save_draft(session: Session, exercise_id: str, code: str, now: datetime) -> None:
    """Keep `code` as the exercise's draft (an unchanged text keeps its time)."""
    draft = session.get(Draft, exercise_id)
    if draft is None:
        session.add(Draft(exercise_id=exercise_id, code=code, updated_at=now))
    elif draft.code != code:
        draft.code = code
        draft.updated_at = now


def load_draft(session: Session, exercise_id: str) -> SavedDraft | None:
    draft = session.get(Draft, exercise_id)
    if draft is None:
        return None
    return SavedDraft(draft.exercise_id, draft.code, draft.updated_at)


def delete_draft(session: Session, exercise_id: str) -> None:
    draft = session.get(Draft, exercise_id)
    if draft is not None:
        session.delete(draft)


def latest_code(session: Session, exercise_id: str) -> tuple[str, datetime, str] | None:
    """What the editor should open with: the newer of the draft and the last graded
    attempt, with its time and where it came from ("draft" or "submission")."""
    draft = load_draft(session, exercise_id)
    last = session.execute(
        select(Submission.code, Submission.created_at)
        .where(Submission.exercise_id == exercise_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    ).first()
    if draft is not None and (last is None or draft.updated_at >= last.created_at):
        return draft.code, draft.updated_at, "draft"
    if last is not None:
        return last.code, last.created_at, "submission"
    return None


def submission_history(
    session: Session, exercise_id: str, *, limit: int = 200
) -> list[PastSubmission]:
    """The exercise's graded attempts, newest first."""
    rows = session.scalars(
        select(Submission)
        .where(Submission.exercise_id == exercise_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(limit)
    )
    return [
        PastSubmission(s.id, s.created_at, s.status, s.code, dict(s.verdict or {})) for s in rows
    ]


def load_submission(session: Session, submission_id: int) -> PastSubmission:
    s = session.get(Submission, submission_id)
    if s is None:
        raise UserError(f"no submission with id {submission_id}")
    return PastSubmission(s.id, s.created_at, s.status, s.code, dict(s.verdict or {}))


def code_diff(old: str, new: str, old_name: str, new_name: str) -> list[str]:
    """A unified diff of two versions of the code (empty when they are the same)."""
    return list(
        difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, lineterm="")
    )


def runs_since_last_review(session: Session, card_id: int, exercise_id: str) -> list[bool]:
    """Whether each graded run since the card was last reviewed passed, oldest first
    (every run ever when it was never reviewed)."""
    last_review = session.scalar(select(CardState.last_review).where(CardState.card_id == card_id))
    query = select(Submission.status).where(Submission.exercise_id == exercise_id)
    if last_review is not None:
        query = query.where(Submission.created_at > last_review)
    return [
        status == "passed"
        for status in session.scalars(query.order_by(Submission.created_at, Submission.id))
    ]
