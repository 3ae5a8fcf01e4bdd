"""The database's messages: open and ready, or a load that failed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from studyapp.study.preferences import Preferences


@dataclass
class DatabaseReady(Message):
    """The database is open and migrated (the dashboard's first load posts it).

    Attributes:
        preferences: the learner's saved preferences, read in the same worker.
    """

    preferences: Preferences


@dataclass
class LoadFailed(Message):
    """A worker could not load what its screen shows.

    Attributes:
        what: what was being loaded, in words ("decks", "cards", "card", "stats").
        error: why, one line for the learner.
    """

    what: str
    error: str
