"""Replay imported reviews through FSRS so an imported card's schedule continues.

Each review becomes a ReviewLog holding the state before (prev_*) and after, exactly as
a review made in studyapp would; the card's CardState ends where the last review left it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import fsrs

from studyapp.scheduling.transition import (
    predicted_retrievability,
    review_log_values,
    state_after,
    to_fsrs_card,
)
from studyapp.storage.models import (
    STATE_NEW,
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
        before = to_fsrs_card(card.id, state, when)
        retrievability = predicted_retrievability(scheduler, state, before, when)
        after, _ = scheduler.review_card(before, fsrs.Rating(review.rating), when, review.duration_ms)
        log = ReviewLog(card_id=card.id, **review_log_values(
            state, after, rating=review.rating, reviewed_at=when, duration_ms=review.duration_ms,
            source=HISTORY_SOURCE, retrievability=retrievability))
        for column, value in state_after(state, after, review.rating).items():
            setattr(state, column, value)
        logs.append(log)
    return logs
