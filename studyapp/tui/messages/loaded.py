"""What a screen's worker loaded, handed to the event loop to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.scheduling.service import QueueCounts
    from studyapp.stats.model import StatsPage
    from studyapp.study.activity import RecentActivity
    from studyapp.study.cards import CardDetail, CardRow


@dataclass
class DashboardLoaded(Message):
    """The dashboard's numbers.

    Attributes:
        decks: today's queue counts, one per live deck (with why a deck is locked).
        activity: reviews today, the streak and the heatmap's days.
    """

    decks: list[QueueCounts]
    activity: RecentActivity


@dataclass
class CardsFound(Message):
    """A browse search's result.

    Attributes:
        rows: the cards found, at most `SEARCH_LIMIT` of them.
        truncated: more cards matched than `rows` holds.
        generation: which search this answers; a late answer to an older one is dropped.
    """

    rows: list[CardRow]
    truncated: bool
    generation: int


@dataclass
class CardDetailLoaded(Message):
    """One card in full, for browse's detail panel.

    Attributes:
        detail: the card, its review history and submissions.
        generation: which request this answers; a late answer for a row the cursor left
            is dropped.
    """

    detail: CardDetail
    generation: int


@dataclass
class StatsLoaded(Message):
    """The whole stats page.

    Attributes:
        data: every number the page shows.
    """

    data: StatsPage
