"""Prerequisites in the open: which decks are locked behind which, how far along the
prerequisites are, and the settings that turn the ordering off.

A deck's new cards wait until every active card of the decks it `requires` has been
studied (queue.py applies it). Here is what the learner is told about it, and the
switches: globally (`prerequisites.enabled`) or per deck (`prerequisites.off`, a list
of deck slugs). A requirement that leads back to the deck itself (a cycle) is ignored,
as the queue ignores it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.orm import Session

from studyapp.jsontypes import JsonObject
from studyapp.storage.models import STATE_NEW
from studyapp.storage.settings import get_setting, get_setting_strings, set_setting

if TYPE_CHECKING:  # queue.py imports this module
    from studyapp.scheduling.queue import DeckInfo

ENABLED_KEY = "prerequisites.enabled"
OFF_DECKS_KEY = "prerequisites.off"

# active cards per deck, and how many of them are still new
_PROGRESS = text(
    "SELECT c.deck_id, count(*), sum(CASE WHEN s.state = :new THEN 1 ELSE 0 END) "
    "FROM cards c JOIN card_states s ON s.card_id = c.id "
    "WHERE c.suspended = :no AND c.retired = :no GROUP BY c.deck_id"
)


@dataclass(frozen=True)
class Prerequisite:
    slug: str
    title: str
    studied: int  # active cards studied at least once
    total: int  # active cards

    @property
    def done(self) -> bool:
        return self.studied >= self.total


@dataclass(frozen=True)
class Lock:
    """Why a deck's new cards are held back: the prerequisites not yet studied through."""

    waiting_for: tuple[Prerequisite, ...]
    new_cards: int = 0  # the locked deck's active new cards: what waits

    def describe(self) -> str:
        """`after: Mini-batches (12/40)`"""
        return "after: " + ", ".join(f"{p.title} ({p.studied}/{p.total})" for p in self.waiting_for)

    def as_dict(self) -> JsonObject:
        return {"after": [{"deck": p.slug, "title": p.title, "studied": p.studied, "total": p.total}
                          for p in self.waiting_for]}


@dataclass(frozen=True)
class PrerequisiteSettings:
    enabled: bool = True
    off: frozenset[str] = frozenset()

    def applies_to(self, slug: str) -> bool:
        return self.enabled and slug not in self.off


def load_prerequisite_settings(session: Session) -> PrerequisiteSettings:
    return PrerequisiteSettings(
        enabled=bool(get_setting(session, ENABLED_KEY, True)),
        off=frozenset(get_setting_strings(session, OFF_DECKS_KEY)),
    )


def save_prerequisite_settings(session: Session, settings: PrerequisiteSettings) -> None:
    set_setting(session, ENABLED_KEY, settings.enabled)
    set_setting(session, OFF_DECKS_KEY, sorted(settings.off))


def set_deck_ordering(session: Session, slug: str, on: bool) -> PrerequisiteSettings:
    """Turn prerequisite ordering on or off for one deck."""
    current = load_prerequisite_settings(session)
    off = current.off - {slug} if on else current.off | {slug}
    updated = PrerequisiteSettings(current.enabled, frozenset(off))
    save_prerequisite_settings(session, updated)
    return updated


def acyclic_requires(requires_by_slug: dict[str, Iterable[str]]) -> dict[str, list[str]]:
    """Each deck's requirements among the known decks, leaving out any that leads back to it."""
    graph = {
        slug: [r for r in requires if r in requires_by_slug]
        for slug, requires in requires_by_slug.items()
    }

    def reaches(start: str, target: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            slug = stack.pop()
            if slug == target:
                return True
            if slug not in seen:
                seen.add(slug)
                stack.extend(graph.get(slug, ()))
        return False

    return {slug: [r for r in requires if not reaches(r, slug)] for slug, requires in graph.items()}


def deck_progress(session: Session) -> dict[int, tuple[int, int]]:
    """deck id -> (active cards, of which new)."""
    rows = session.execute(_PROGRESS, {"new": STATE_NEW, "no": False})
    return {deck_id: (int(total), int(new or 0)) for deck_id, total, new in rows}


def locks(
    session: Session, decks: Iterable[DeckInfo], settings: PrerequisiteSettings
) -> dict[str, Lock]:
    """deck slug -> its Lock, for every deck whose new cards wait for a prerequisite.
    `decks` are queue.DeckInfo (id, slug, title, requires)."""
    decks = list(decks)
    requires = acyclic_requires({d.slug: d.requires for d in decks})
    if not any(requires.values()):
        return {}
    progress = deck_progress(session)
    by_slug = {d.slug: d for d in decks}
    found: dict[str, Lock] = {}
    for deck in decks:
        if not settings.applies_to(deck.slug):
            continue
        waiting = []
        for slug in requires[deck.slug]:
            total, new = progress.get(by_slug[slug].id, (0, 0))
            if new:
                waiting.append(Prerequisite(slug, by_slug[slug].title, total - new, total))
        if waiting:
            found[deck.slug] = Lock(tuple(waiting), new_cards=progress.get(deck.id, (0, 0))[1])
    return found
