"""Saving a learner's edit of a card so that it is never silently lost.

- A card from the learner's own folder: the edit is written back into its Markdown file
  (the source of truth) and synced.
- A card from a file the learner does not own (the shipped content, which the next
  update replaces): the edit is kept as an override that sync never overwrites; when
  the shipped text changes under it, sync keeps the override and says so, and browse
  shows both texts (take_shipped_text drops the override).
- A card imported from Anki or CSV: its text is in the database only; saved there.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import object_session

from studyapp.content.authoring import NewCard, card_markdown, own_folder, rewrite_card_in_file
from studyapp.content.service import sync_folders
from studyapp.content.sync import APP_TAGS, IMPORT_SOURCE_PREFIX
from studyapp.errors import UserError
from studyapp.storage.models import Card, CardOverride
from studyapp.study.cards import update_card_text

SAVED_TO_FILE = "file"
SAVED_AS_OVERRIDE = "override"
SAVED_IN_DATABASE = "database"


def save_card_edit(database, clock, card_id: int, values: dict[str, str]) -> str:
    """Save edited texts; returns where they went (file, override or database)."""
    now = clock.now()
    with database.unit_of_work() as session:
        card = session.get(Card, card_id)
        if card is None:
            raise UserError(f"no card with id {card_id}")
        before = (card.front, card.back, dict(card.extra or {}))
        update_card_text(session, card_id, values, now)  # validates, and shows the edit at once
        folder = own_folder(session)
        where = _where(card, folder)
        if where == SAVED_TO_FILE:
            path = Path(card.source_file)
            rewrite_card_in_file(path, card.note_id, card_markdown(card.note_id, note_of(card)))
        elif where == SAVED_AS_OVERRIDE:
            _keep_override(session, card, before, now)
    if where == SAVED_TO_FILE:
        sync_folders(database, clock, [folder], trust=True)
    return where


def _where(card: Card, folder: Path) -> str:
    deck_source = card.deck.source_path if card.deck is not None else ""
    if deck_source.startswith(IMPORT_SOURCE_PREFIX) or not card.source_file:
        return SAVED_IN_DATABASE
    source = Path(card.source_file)
    if card.kind != "exercise" and _inside(source, folder) and source.exists():
        return SAVED_TO_FILE
    return SAVED_AS_OVERRIDE


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def note_of(card: Card) -> NewCard:
    """The note a card was made from, as the Add screen would describe it (for rewriting it)."""
    extra = dict(card.extra or {})
    tags = [t for t in card.tag_list if t not in APP_TAGS]
    if card.kind == "cloze":
        return NewCard(
            "cloze",
            card.deck.slug,
            text=extra.get("text", ""),
            extra=extra.get("extra", ""),
            tags=tags,
        )
    if card.kind == "choice":
        options = [
            (bool(o.get("correct")), o.get("text", "") + (" {pinned}" if o.get("pinned") else ""))
            for o in extra.get("options", [])
        ]
        return NewCard("choice", card.deck.slug, front=card.front, back=extra.get("explain", ""),
                       options=options, tags=tags)
    question, answer = card.front, card.back
    if "reverse_of" in extra:  # the reversed card asks the note's answer
        question, answer = answer, question
    reversed_note = "reverse_of" in extra or _has_reverse(card)
    return NewCard(
        "reversed" if reversed_note else "basic",
        card.deck.slug,
        front=question,
        back=answer,
        tags=tags,
        typed=extra.get("answer") == "typed",
    )


def _has_reverse(card: Card) -> bool:
    session = object_session(card)
    return (
        session is not None
        and session.scalar(
            select(Card.id).where(
                Card.content_id == f"{card.note_id}::reverse", Card.retired.is_(False)
            )
        )
        is not None
    )


def _keep_override(session, card: Card, before: tuple, now: datetime) -> None:
    override = session.get(CardOverride, card.id)
    if override is None:
        shipped_front, shipped_back, shipped_extra = before
        override = CardOverride(
            card_id=card.id,
            base_hash=card.content_hash,
            shipped_front=shipped_front,
            shipped_back=shipped_back,
            shipped_extra=shipped_extra,
            created_at=now,
        )
        session.add(override)
    override.front, override.back, override.extra = card.front, card.back, dict(card.extra or {})
    override.updated_at = now


def take_shipped_text(database, clock, card_id: int) -> None:
    """Drop the learner's version of a shipped card: the shipped text shows again."""
    now = clock.now()
    with database.unit_of_work() as session:
        override = session.get(CardOverride, card_id)
        if override is None:
            raise UserError("this card has no edited version to drop")
        card = session.get(Card, card_id)
        card.front, card.back, card.extra = (
            override.shipped_front,
            override.shipped_back,
            dict(override.shipped_extra),
        )
        card.updated_at = now
        session.delete(override)


def override_of(session, card_id: int) -> CardOverride | None:
    return session.get(CardOverride, card_id)
