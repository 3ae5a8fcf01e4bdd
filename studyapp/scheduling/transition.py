"""One review's effect on a card, in one place: the py-fsrs card built from our stored
state, the state after the review, and the review log's columns. Reviews made in the app
(ReviewService) and reviews replayed from an Anki history (interop) both use these, so
a log means the same thing wherever it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypedDict

import fsrs

from studyapp.clock import as_utc
from studyapp.storage.models import STATE_LEARNING, STATE_NEW, STATE_RELEARNING, STATE_REVIEW


class StoredState(Protocol):
    """What a CardState row (or a plain-SQL copy of one) provides."""

    # read-only, so that a row typed more narrowly (reps: int) provides it too
    @property
    def state(self) -> int | None: ...
    @property
    def step(self) -> int | None: ...
    @property
    def stability(self) -> float | None: ...
    @property
    def difficulty(self) -> float | None: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def last_review(self) -> datetime | None: ...
    @property
    def reps(self) -> int | None: ...
    @property
    def lapses(self) -> int | None: ...


class CardStateValues(TypedDict):
    """The card_states columns a review sets (`state_after`)."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int
    lapses: int


class ReviewLogValues(TypedDict):
    """The review_logs columns, less card_id (`review_log_values`)."""

    rating: int
    reviewed_at: datetime
    duration_ms: int
    source: str
    prev_state: int
    prev_step: int | None
    prev_stability: float | None
    prev_difficulty: float | None
    prev_due: datetime | None
    prev_last_review: datetime | None
    prev_reps: int
    prev_lapses: int
    state: int
    stability: float | None
    difficulty: float | None
    due: datetime
    retrievability: float | None


def to_fsrs_card(card_id: int, state: StoredState, now: datetime) -> fsrs.Card:
    """Our stored state as a py-fsrs card. A never-reviewed card (STATE_NEW) is a fresh
    py-fsrs card: Learning, step 0."""
    if state.state == STATE_NEW or state.state is None:
        return fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=now)
    step = state.step
    if state.state in (STATE_LEARNING, STATE_RELEARNING) and step is None:
        step = 0
    return fsrs.Card(
        card_id=card_id,
        state=fsrs.State(state.state),
        step=step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=as_utc(state.due) if state.due else now,
        last_review=as_utc(state.last_review) if state.last_review else None,
    )


def predicted_retrievability(scheduler: fsrs.Scheduler, state: StoredState, before: fsrs.Card,
                             now: datetime) -> float | None:
    """The recall probability FSRS gave the card just before this review; None when it had
    never been reviewed (nothing to predict from)."""
    if state.state in (None, STATE_NEW) or before.last_review is None or not before.stability:
        return None
    return float(scheduler.get_card_retrievability(before, now))


def state_after(state: StoredState, after: fsrs.Card, rating: int) -> CardStateValues:
    """The card_states columns after the review. A lapse is Again on a card in review."""
    lapsed = rating == 1 and state.state == STATE_REVIEW
    return {
        "state": int(after.state),
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "last_review": after.last_review,
        "reps": (state.reps or 0) + 1,
        "lapses": (state.lapses or 0) + int(lapsed),
    }


def review_log_values(
    state: StoredState,
    after: fsrs.Card,
    *,
    rating: int,
    reviewed_at: datetime,
    duration_ms: int,
    source: str,
    retrievability: float | None,
) -> ReviewLogValues:
    """The review_logs columns (less card_id): the exact state before, so undo can restore
    it, and the state after with what FSRS predicted, for the stats."""
    return {
        "rating": rating,
        "reviewed_at": reviewed_at,
        "duration_ms": max(0, int(duration_ms)),
        "source": source,
        "prev_state": STATE_NEW if state.state is None else state.state,
        "prev_step": state.step,
        "prev_stability": state.stability,
        "prev_difficulty": state.difficulty,
        "prev_due": state.due,
        "prev_last_review": state.last_review,
        "prev_reps": state.reps or 0,
        "prev_lapses": state.lapses or 0,
        "state": int(after.state),
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "retrievability": retrievability,
    }
