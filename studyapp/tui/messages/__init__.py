"""Messages the app's workers post back to the event loop (never touch widgets from a thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class DatabaseReady(Message):
    """The database is open and migrated; its preferences are loaded."""

    preferences: Any


@dataclass
class DashboardLoaded(Message):
    decks: list[Any]
    activity: Any


@dataclass
class LoadFailed(Message):
    """A worker could not load what its screen shows."""

    what: str
    error: str


@dataclass
class CardsFound(Message):
    rows: list[Any]
    truncated: bool


@dataclass
class CardDetailLoaded(Message):
    detail: Any


@dataclass
class StatsLoaded(Message):
    data: Any


@dataclass
class GradeFinished(Message):
    """A grading run ended with a verdict (its submission is stored)."""

    verdict: Any
    code: str
    attempt: int


@dataclass
class GradeFailed(Message):
    """The grader itself failed (not the submission)."""

    error: str
    attempt: int


@dataclass
class CardEdited(Message):
    card_id: int
