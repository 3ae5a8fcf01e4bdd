"""Write loaded content into the database: one transaction, idempotent, history kept.

Cards are matched by their stable content id, so editing a card's text updates it in
place and its scheduling state and review logs stay. Cards that vanished from the
files are retired, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.content.model import CardSpec, ContentBundle, DeckSpec
from studyapp.errors import ContentError
from studyapp.storage.models import Card, CardOverride, CardState, Deck
from studyapp.vocabulary import LEECH_TAG

APP_TAGS = (LEECH_TAG,)


def merged_tags(stored: str | None, content_tags: list[str]) -> str:
    """The content's tags plus the tags the app added (a leech mark): those are the
    learner's history, not content, and survive a content update."""
    kept = [t for t in (stored or "").split() if t in APP_TAGS]
    return " ".join(dict.fromkeys([*content_tags, *kept]))


def apply_content(card: Card, *, note_id: str, kind: str, topic: str, front: str, back: str,
                  extra: dict[str, Any], tags: list[str], content_hash: str, now: datetime) -> None:
    """Write a card's content (from the content files or an importer) over the stored card:
    the one place a content update happens. The app's own tags survive; a retired card
    comes back. Where the card sits (deck, position, source) is the caller's."""
    card.note_id = note_id
    card.kind = kind
    card.topic = topic
    card.front = front
    card.back = back
    card.extra = extra
    card.tags = merged_tags(card.tags, tags)
    card.retired = False
    card.content_hash = content_hash
    card.updated_at = now
# Decks made by `studyapp import` carry a source_path like "import:anki:<file>"; their
# cards are not in the content files, so sync leaves them (and their decks) alone.
IMPORT_SOURCE_PREFIX = "import:"


def is_imported_deck(deck: Deck) -> bool:
    return deck.source_path.startswith(IMPORT_SOURCE_PREFIX)


@dataclass
class SyncSummary:
    added: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    decks: list[str] = field(default_factory=list)
    # cards the learner edited whose shipped text changed: their version was kept
    kept_overrides: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired)

    def describe(self) -> str:
        counts = (f"added {self.added}, updated {self.updated}, retired {self.retired}, "
                  f"unchanged {self.unchanged}")
        if not self.changed:
            text = f"Content is up to date: nothing changed ({counts})."
        else:
            text = f"Synced {len(self.decks)} decks: {counts}."
        if self.kept_overrides:
            text += (
                f"\nKept your edited version of {len(self.kept_overrides)} card(s) "
                f"whose shipped text changed: {', '.join(self.kept_overrides)} "
                "(Browse shows both texts; r there takes the new one)."
            )
        return text


def sync_content(session: Session, bundle: ContentBundle, now: datetime) -> SyncSummary:
    summary = SyncSummary()
    decks = {d.slug: d for d in session.scalars(select(Deck))}
    cards = {c.content_id: c for c in session.scalars(select(Card))}
    overrides = {o.card_id: o for o in session.scalars(select(CardOverride))}
    seen: set[str] = set()
    exercises_by_deck: dict[str, list[CardSpec]] = {}
    for exercise in bundle.exercises:
        exercises_by_deck.setdefault(exercise.deck, []).append(exercise.as_card())

    _refuse_imported_slugs(bundle, decks)
    for spec in bundle.decks:
        deck = _upsert_deck(session, decks, spec, now)
        summary.decks.append(spec.slug)
        for position, card_spec in enumerate(spec.cards + exercises_by_deck.get(spec.slug, [])):
            seen.add(card_spec.content_id)
            _upsert_card(session, cards, deck, card_spec, position, now, summary, overrides)

    for content_id, card in cards.items():
        if content_id not in seen and not card.retired and not is_imported_deck(card.deck):
            card.retired = True
            card.updated_at = now
            summary.retired += 1
    live = {d.slug for d in bundle.decks}
    for slug, deck in decks.items():
        if not is_imported_deck(deck):
            deck.retired = slug not in live
    session.flush()
    return summary


def _refuse_imported_slugs(bundle: ContentBundle, decks: dict[str, Deck]) -> None:
    """A content deck must not take over a deck the learner imported: sync would then
    rewrite its metadata and retire its cards."""
    problems = [
        f"{spec.location.file}:1: deck id {spec.slug!r} is already used by a deck imported from "
        f"{decks[spec.slug].source_path.removeprefix(IMPORT_SOURCE_PREFIX)}; "
        "give this deck another id"
        for spec in bundle.decks
        if spec.slug in decks and is_imported_deck(decks[spec.slug])
    ]
    if problems:
        raise ContentError(problems)


def _upsert_deck(session: Session, decks: dict[str, Deck], spec: DeckSpec, now: datetime) -> Deck:
    deck = decks.get(spec.slug)
    if deck is None:
        deck = Deck(slug=spec.slug, created_at=now, updated_at=now)
        session.add(deck)
        decks[spec.slug] = deck
    values = {
        "title": spec.title,
        "description": spec.description,
        "topic": spec.topic,
        "requires": spec.requires,
        "position": spec.order,
        "source_path": str(spec.location.file),
        "retired": False,
    }
    if any(getattr(deck, key) != value for key, value in values.items()):
        for key, value in values.items():
            setattr(deck, key, value)
        deck.updated_at = now
    return deck


def _upsert_card(
    session, cards, deck, spec: CardSpec, position, now, summary, overrides=None
) -> None:
    digest = spec.content_hash(deck.slug, position)
    card = cards.get(spec.content_id)
    if card is None:
        card = Card(content_id=spec.content_id, created_at=now, state=CardState())
        session.add(card)
        cards[spec.content_id] = card
        summary.added += 1
    elif card.content_hash == digest and not card.retired:
        summary.unchanged += 1
        _refresh_location(card, spec)
        return
    else:
        summary.updated += 1
    card.deck = deck
    card.position = position
    apply_content(card, note_id=spec.note_id, kind=spec.kind, topic=spec.topic, front=spec.front,
                  back=spec.back, extra=spec.extra, tags=spec.tags, content_hash=digest, now=now)
    override = (overrides or {}).get(card.id) if card.id is not None else None
    if override is not None:
        _keep_override(card, override, spec, digest, now, summary)
    _refresh_location(card, spec)


def _keep_override(
    card: Card, override: CardOverride, spec: CardSpec, digest: str, now, summary
) -> None:
    """The file changed under the learner's edit: keep the edit, remember the new shipped
    text beside it, and say so when it differs from what the edit was made on."""
    override.shipped_front, override.shipped_back, override.shipped_extra = (
        spec.front,
        spec.back,
        dict(spec.extra),
    )
    if digest != override.base_hash:  # this sync brought a new shipped text
        summary.kept_overrides.append(spec.content_id)
        override.shipped_changed_at = now
    else:
        override.shipped_changed_at = None
    override.updated_at = now
    card.front, card.back, card.extra = override.front, override.back, dict(override.extra)


def _refresh_location(card: Card, spec: CardSpec) -> None:
    # Where the card is written is not content: an installed copy moves with its venv.
    card.source_file = str(spec.location.file)
    card.source_line = spec.location.line
