"""Build review histories for the stats tests by inserting rows directly (no scheduler)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from studyapp.storage.models import (
    STATE_LEARNING,
    STATE_NEW,
    STATE_RELEARNING,
    STATE_REVIEW,
    Card,
    CardState,
    Deck,
    ReviewLog,
    Submission,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)

__all__ = ["History", "STATE_LEARNING", "STATE_NEW", "STATE_RELEARNING", "STATE_REVIEW", "T0", "DAY"]


class History:
    """A session and a few helpers: decks, cards, states, review logs and submissions."""

    def __init__(self, session: Session):
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def deck(self, slug: str = "deck", *, topic: str = "", retired: bool = False) -> Deck:
        deck = Deck(slug=slug, title=slug.title(), topic=topic, retired=retired,
                    created_at=T0, updated_at=T0)
        self.session.add(deck)
        self.session.flush()
        return deck

    def card(self, deck: Deck, *, topic: str = "", tags: str = "", kind: str = "basic",
             suspended: bool = False, retired: bool = False, content_id: str | None = None,
             extra: dict[str, Any] | None = None) -> Card:
        n = self._next()
        card = Card(deck_id=deck.id, content_id=content_id or f"{deck.slug}-{n}", note_id=f"note-{n}",
                    kind=kind, position=n, topic=topic, front=f"front {n}", back="back",
                    tags=tags, suspended=suspended, retired=retired, extra=extra or {},
                    created_at=T0, updated_at=T0)
        self.session.add(card)
        self.session.flush()
        self.session.add(CardState(card_id=card.id, state=STATE_NEW))
        self.session.flush()
        return card

    def set_state(self, card: Card, *, state: int, stability: float | None = None,
                  difficulty: float | None = None, due: datetime | None = None,
                  last_review: datetime | None = None) -> CardState:
        row = self.session.get(CardState, card.id)
        row.state = state
        row.stability = stability
        row.difficulty = difficulty
        row.due = due
        row.last_review = last_review
        row.reps = 1
        self.session.flush()
        return row

    def review(self, card: Card, at: datetime, rating: int = 3, *, prev_state: int = STATE_REVIEW,
               interval_days: float | None = None, prev_last_review: datetime | None = None,
               retrievability: float | None = None, duration_ms: int = 0,
               source: str = "manual") -> ReviewLog:
        """A log. For prev_state review, give the scheduled interval (prev_due - prev_last_review)."""
        prev_due = None
        if interval_days is not None:
            prev_last_review = prev_last_review or at - timedelta(days=interval_days)
            prev_due = prev_last_review + timedelta(days=interval_days)
        log = ReviewLog(card_id=card.id, rating=rating, reviewed_at=at, duration_ms=duration_ms, source=source,
                        prev_state=prev_state, prev_stability=None if prev_state == STATE_NEW else 5.0,
                        prev_difficulty=None if prev_state == STATE_NEW else 5.0,
                        prev_due=prev_due, prev_last_review=prev_last_review, prev_reps=0,
                        prev_lapses=0, state=STATE_REVIEW, stability=5.0, difficulty=5.0,
                        due=at + DAY, retrievability=retrievability)
        self.session.add(log)
        return log

    def submission(self, exercise_id: str, status: str, at: datetime, *, duration_ms: int = 0,
                   diagnosis: tuple[str, str] | None = None, card: Card | None = None) -> Submission:
        verdict = {"status": status, "diagnosis": None if diagnosis is None
                   else {"id": diagnosis[0], "text": diagnosis[1]}}
        row = Submission(card_id=card.id if card else None, exercise_id=exercise_id, code="pass",
                         status=status, verdict=verdict, duration_ms=duration_ms, created_at=at)
        self.session.add(row)
        return row

    def flush(self) -> None:
        self.session.flush()
