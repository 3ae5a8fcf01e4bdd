"""What `studyapp due` adds to today's queue counts: per deck, the studied cards falling due
tomorrow and over the next 7 study days. Why a deck's new cards are locked comes from the
scheduler (scheduling/prerequisites.py), the one place locks are worked out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.storage.models import STATE_NEW, Card, CardState, Deck

AHEAD_DAYS = 7


@dataclass
class DeckOutlook:
    """One deck's studied cards falling due on each of the next study days (index 0: tomorrow)."""

    days: list[int] = field(default_factory=lambda: [0] * AHEAD_DAYS)

    @property
    def tomorrow(self) -> int:
        return self.days[0]

    @property
    def next_7_days(self) -> int:
        return sum(self.days)


def due_ahead(session: Session, day_starts: Sequence[datetime]) -> dict[str, DeckOutlook]:
    """slug -> studied cards (not new, active) falling due in each study day after today.
    `day_starts`: tomorrow's start, then each following day's start (AHEAD_DAYS + 1 moments)."""
    starts = [as_utc(s) for s in day_starts]
    rows = session.execute(
        select(Deck.slug, CardState.due)
        .join(Card, Card.id == CardState.card_id)
        .join(Deck, Deck.id == Card.deck_id)
        .where(CardState.state != STATE_NEW, Card.suspended.is_(False), Card.retired.is_(False),
               Deck.retired.is_(False), CardState.due >= starts[0], CardState.due < starts[-1])
    )
    outlook: dict[str, DeckOutlook] = defaultdict(DeckOutlook)
    for slug, due in rows:
        due = as_utc(due)  # type: ignore[arg-type]  # the query keeps due cards only
        day = next(i for i in range(len(starts) - 1) if due < starts[i + 1])
        outlook[slug].days[day] += 1
    return outlook
