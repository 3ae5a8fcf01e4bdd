"""Replay imported reviews through FSRS so an imported card's schedule continues.

Each review becomes a ReviewLog holding the state before (prev_*) and after, exactly as
a review made in studyapp would; the card's CardState ends where the last review left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import fsrs

from studyapp.storage.models import (
    STATE_NEW,
    STATE_REVIEW,
    Card,
    CardState,
    ReviewLog,
)

HISTORY_SOURCE = "anki"


@dataclass(frozen=True)
class PastReview:
    reviewed_at: datetime  # aware UTC
    rating: int  # 1-4
    duration_ms: int


def _to_fsrs(card: Card, state: CardState, when: datetime) -> fsrs.Card:
    if state.state == STATE_NEW or state.state is None:
        return fsrs.Card(card_id=card.id, state=fsrs.State.Learning, step=0, due=when)
    step = state.step
    if state.state != STATE_REVIEW and step is None:
        step = 0
    return fsrs.Card(
        card_id=card.id,
        state=fsrs.State(state.state),
        step=step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due or when,
        last_review=state.last_review,
    )


def replay_reviews(
    card: Card, reviews: list[PastReview], scheduler: fsrs.Scheduler | None = None
) -> list[ReviewLog]:
    """Apply `reviews` (oldest first) to `card`, continuing from its current state; reviews
    at or before the card's last review are already counted and skipped. Returns the new
    logs (added to the card's session through the relationship)."""
    scheduler = scheduler or fsrs.Scheduler(enable_fuzzing=False)
    state = card.state
    if state is None:
        state = card.state = CardState(state=STATE_NEW, reps=0, lapses=0)
    logs: list[ReviewLog] = []
    for review in sorted(reviews, key=lambda r: r.reviewed_at):
        if state.last_review is not None and review.reviewed_at <= state.last_review:
            continue
        when = review.reviewed_at
        before = _to_fsrs(card, state, when)
        retrievability = (
            None if state.state == STATE_NEW or before.last_review is None
            else float(scheduler.get_card_retrievability(before, when))
        )
        after, _ = scheduler.review_card(before, fsrs.Rating(review.rating), when, review.duration_ms)
        log = ReviewLog(
            card_id=card.id,
            rating=review.rating,
            reviewed_at=when,
            duration_ms=review.duration_ms,
            source=HISTORY_SOURCE,
            prev_state=state.state,
            prev_step=state.step,
            prev_stability=state.stability,
            prev_difficulty=state.difficulty,
            prev_due=state.due,
            prev_last_review=state.last_review,
            prev_reps=state.reps or 0,
            prev_lapses=state.lapses or 0,
            state=int(after.state),
            stability=after.stability,
            difficulty=after.difficulty,
            due=after.due,
            retrievability=retrievability,
        )
        lapsed = review.rating == fsrs.Rating.Again and state.state == STATE_REVIEW
        state.state = int(after.state)
        state.step = after.step
        state.stability = after.stability
        state.difficulty = after.difficulty
        state.due = after.due
        state.last_review = after.last_review
        state.reps = (state.reps or 0) + 1
        state.lapses = (state.lapses or 0) + (1 if lapsed else 0)
        logs.append(log)
    return logs
