"""What `studyapp due` adds to today's queue counts: per deck, the studied cards falling due
tomorrow and over the next 7 study days, and why a deck's new cards are locked.

A deck is locked while it has new cards and a deck it `requires` still has new cards
(the queue's rule, scheduling/queue.py: a requirement that leads back to the deck itself
is ignored). The lock names each such prerequisite by title with how much of it is
studied: "after: Mini-batches (12/58 studied)".
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


@dataclass(frozen=True)
class Prerequisite:
    slug: str
    title: str
    studied: int  # active cards no longer new
    total: int  # active cards

    def describe(self) -> str:
        return f"{self.title} ({self.studied}/{self.total} studied)"

    def as_dict(self) -> dict:
        return {"deck": self.slug, "title": self.title, "studied": self.studied, "total": self.total}


@dataclass(frozen=True)
class Lock:
    """Why a deck's new cards wait: the prerequisites that still have new cards."""

    waiting: int  # the locked deck's new cards
    after: tuple[Prerequisite, ...]

    def describe(self) -> str:
        return "after: " + ", ".join(p.describe() for p in self.after)

    def as_dict(self) -> dict:
        return {"waiting": self.waiting, "after": [p.as_dict() for p in self.after]}


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


def _deck_progress(session: Session) -> dict[str, tuple[str, list[str], int, int]]:
    """slug -> (title, requires, active cards, active new cards) for every live deck."""
    from studyapp.scheduling.prerequisites import deck_progress

    counts = deck_progress(session)
    decks = session.execute(select(Deck.id, Deck.slug, Deck.title, Deck.requires).where(Deck.retired.is_(False)))
    return {slug: (title, [str(r) for r in (requires or [])], *counts.get(deck_id, (0, 0)))
            for deck_id, slug, title, requires in decks}


def deck_locks(session: Session) -> dict[str, Lock]:
    """slug -> Lock for each live deck whose new cards wait for a prerequisite."""
    from studyapp.scheduling.prerequisites import acyclic_requires

    decks = _deck_progress(session)
    # a requirement that leads back to the deck itself (a cycle) is ignored, as the queue does
    graph = acyclic_requires({slug: info[1] for slug, info in decks.items()})

    locks: dict[str, Lock] = {}
    for slug, (_title, _requires, _cards, new) in decks.items():
        if not new:
            continue
        after = tuple(
            Prerequisite(r, decks[r][0], decks[r][2] - decks[r][3], decks[r][2])
            for r in graph[slug] if decks[r][3]
        )
        if after:
            locks[slug] = Lock(waiting=new, after=after)
    return locks


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
