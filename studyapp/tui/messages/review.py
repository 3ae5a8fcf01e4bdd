"""The review screen's worker: the next card, planned off the event loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.scheduling.service import QueueItem


@dataclass
class NextCardLoaded(Message):
    """The card to show next (None: the session is done).

    Attributes:
        item: the card, as the queue gives it; None when nothing is left.
        remaining: cards still to see, this one included (for "x of y").
        previews: rating -> the interval it would give, for the rating bar (empty when
            previewing, or for an exercise).
        next_up: for the summary when `item` is None: what is due later today and tomorrow.
        typed_decks: the decks whose basic cards ask for a typed answer.
    """

    item: QueueItem | None
    remaining: int
    previews: dict[int, timedelta] = field(default_factory=dict)
    next_up: str = ""
    typed_decks: set[str] = field(default_factory=set)


@dataclass
class SessionEnded(Message):
    """The learner ended the session early (esc).

    Attributes:
        next_up: what is due later today and tomorrow.
    """

    next_up: str
