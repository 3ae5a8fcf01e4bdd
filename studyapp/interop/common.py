"""What the importers share: deck slugs, finding or making an imported deck, upserting
cards by content id, and the summary a command prints."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.content.sync import IMPORT_SOURCE_PREFIX, apply_content, is_imported_deck
from studyapp.errors import UserError
from studyapp.storage.models import Card, CardState, Deck

MAX_SLUG = 80
DECK_SEPARATOR = "::"  # Anki's subdeck separator in a deck's full name


def slugify(name: str) -> str:
    """A deck slug from a name: lowercase ASCII letters, digits and '-' ("A::B c" -> "a-b-c")."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:MAX_SLUG].strip("-") or "deck"


def import_source(kind: str, path: str) -> str:
    """A deck's source_path for imported decks: sync leaves such decks alone."""
    return f"{IMPORT_SOURCE_PREFIX}{kind}:{path}"


@dataclass
class ImportSummary:
    file: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # matched cards that belong to content decks: their text is left alone
    reviews: int = 0
    history: bool = False  # the source had a review history to bring: always say how much came
    skipped: list[str] = field(default_factory=list)
    decks: list[str] = field(default_factory=list)

    def describe(self) -> str:
        decks = ", ".join(self.decks) if self.decks else "no deck"
        text = (
            f"Imported {self.file} into {decks}: added {self.added}, updated {self.updated}, "
            f"unchanged {self.unchanged}"
        )
        if self.kept:
            text += f", {self.kept} matched cards from the content files left as they are"
        if self.reviews or self.history:
            text += f"; {self.reviews} reviews brought across"
        text += "."
        return "\n".join([text, *(f"note: {line}" for line in self.skipped)])

    def note_deck(self, slug: str) -> None:
        if slug not in self.decks:
            self.decks.append(slug)


class DeckResolver:
    """Finds or creates the imported deck for a name, within one session.

    A name maps to its slug; when that slug belongs to a deck from the content files
    (or to an imported deck with another title), the next free `slug-2`, `slug-3`... is
    used, in a deterministic order, so importing again finds the same deck.
    """

    def __init__(self, session: Session, now: datetime, source: str):
        self.session = session
        self.now = now
        self.source = source
        self.by_slug = {d.slug: d for d in session.scalars(select(Deck))}
        self.position = (session.scalar(select(func.max(Deck.position))) or 0) + 1
        self.cache: dict[str, Deck] = {}

    def named(self, title: str, *, explicit: bool = False) -> Deck:
        if title in self.cache:
            return self.cache[title]
        base = slugify(title)
        deck = None
        for n in range(1, 10_000):
            slug = base if n == 1 else f"{base[: MAX_SLUG - 6]}-{n}"
            existing = self.by_slug.get(slug)
            if existing is None:
                deck = self._create(slug, title)
                break
            if is_imported_deck(existing) and (
                explicit or existing.title.casefold() == title.casefold()
            ):
                deck = existing
                break
            if explicit:
                raise UserError(
                    f"deck {slug!r} comes from the content files; import into another deck "
                    f"(--deck NAME with a new name)"
                )
        if deck is None:  # pragma: no cover - ten thousand decks of one name
            raise UserError(f"too many decks named {title!r}")
        self.cache[title] = deck
        parent_title, _, leaf = title.rpartition(DECK_SEPARATOR)
        if parent_title.strip() and leaf.strip() and is_imported_deck(deck):
            parent = self.named(parent_title)  # Anki's "Parent::Child": the parent exists too
            if parent.id is None:
                self.session.flush()
            if deck.parent_id != parent.id and parent is not deck:
                deck.parent_id = parent.id
        return deck

    def _create(self, slug: str, title: str) -> Deck:
        deck = Deck(
            slug=slug, title=title[:200], description="", topic=slug[:100], requires=[],
            position=self.position, source_path=self.source, retired=False,
            created_at=self.now, updated_at=self.now,
        )
        self.position += 1
        self.session.add(deck)
        self.by_slug[slug] = deck
        return deck


@dataclass
class CardData:
    """One card an importer wants in the database."""

    content_id: str
    note_id: str
    kind: str
    front: str
    back: str
    tags: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    source_file: str = ""
    source_line: int = 0
    suspended: bool = False

    def digest(self, deck_slug: str) -> str:
        payload = {
            "deck": deck_slug, "kind": self.kind, "note": self.note_id, "front": self.front,
            "back": self.back, "tags": self.tags, "extra": self.extra,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class CardWriter:
    """Upserts imported cards by content id. Cards of decks from the content files are
    matched but never rewritten: the files are their source of truth."""

    def __init__(self, session: Session, now: datetime, summary: ImportSummary):
        self.session = session
        self.now = now
        self.summary = summary
        self.cards = {c.content_id: c for c in session.scalars(select(Card))}
        self.positions: dict[int, int] = {}

    def existing(self, content_id: str) -> Card | None:
        return self.cards.get(content_id)

    def _next_position(self, deck: Deck) -> int:
        if deck.id is None:
            self.session.flush()
        if deck.id not in self.positions:
            current = self.session.scalar(
                select(func.max(Card.position)).where(Card.deck_id == deck.id)
            )
            self.positions[deck.id] = -1 if current is None else current
        self.positions[deck.id] += 1
        return self.positions[deck.id]

    def write(self, data: CardData, deck_for: Callable[[], Deck]) -> Card:
        """Add or update the card; `deck_for` gives its deck (asked only when needed, so a
        package whose cards all come from the content files makes no empty deck)."""
        card = self.cards.get(data.content_id)
        if card is not None and not is_imported_deck(card.deck):
            self.summary.kept += 1
            return card
        deck = deck_for()
        digest = data.digest(deck.slug)
        if card is None:
            card = Card(
                content_id=data.content_id, deck=deck, position=self._next_position(deck),
                suspended=data.suspended, retired=False, created_at=self.now,
                state=CardState(state=0, reps=0, lapses=0),
            )
            self.session.add(card)
            self.cards[data.content_id] = card
            self.summary.added += 1
        elif card.content_hash == digest and card.deck_id == deck.id and not card.retired:
            self.summary.unchanged += 1
            self.summary.note_deck(deck.slug)
            return card
        else:
            if card.deck_id != deck.id:
                card.deck = deck
                card.position = self._next_position(deck)
            self.summary.updated += 1
        apply_content(
            card,
            note_id=data.note_id,
            kind=data.kind,
            topic=deck.topic,
            front=data.front,
            back=data.back,
            extra=data.extra,
            tags=data.tags,
            content_hash=digest,
            now=self.now,
        )
        card.source_file = data.source_file
        card.source_line = data.source_line
        self.summary.note_deck(deck.slug)
        return card
