"""Every graded attempt is stored; the exercise screen reopens the learner's last attempt."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.storage.models import Submission


def verdict_dict(verdict: Any) -> dict[str, Any]:
    """A verdict as JSON-able data, whatever shape the grader hands back."""
    if isinstance(verdict, dict):
        return verdict
    to_json = getattr(verdict, "to_json", None)
    if callable(to_json):
        data = to_json()
        if isinstance(data, str):
            return json.loads(data)
        return dict(data)
    return {"status": getattr(verdict, "status", "unknown")}


def record_submission(
    session: Session,
    *,
    card_id: int | None,
    exercise_id: str,
    code: str,
    verdict: Any,
    now: datetime,
) -> Submission:
    data = verdict_dict(verdict)
    row = Submission(
        card_id=card_id,
        exercise_id=exercise_id,
        code=code,
        status=str(data.get("status", getattr(verdict, "status", "unknown"))),
        verdict=data,
        device=str(data.get("device", getattr(verdict, "device", "cpu")) or "cpu")[:10],
        duration_ms=int(data.get("duration_ms", getattr(verdict, "duration_ms", 0)) or 0),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def last_submission_code(session: Session, exercise_id: str) -> str | None:
    return session.scalars(
        select(Submission.code)
        .where(Submission.exercise_id == exercise_id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    ).first()
