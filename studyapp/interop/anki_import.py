"""`studyapp import FILE.apkg`: Anki notes become studyapp cards, in one transaction.

Content ids are stable: `anki-<note guid>` for a note's first card, `::reverse`, `::t<N>`
or `::c<N>` after it for the others. Anki guids are base91 text (`[`, `:`, `{`...); a
guid with anything but letters, digits, `-` and `_` is replaced by a hash of it, so ids
stay safe to print, and the guid itself is kept in `extra["anki_guid"]` for the export.
A note that studyapp itself exported (its guid is `genanki.guid_for(<note id>)`) maps back
to the card it came from, so a round trip through Anki adds nothing and brings the reviews
made there back with `--with-history`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import cast

from genanki import guid_for
from sqlalchemy import Table, func, insert, select

from studyapp.content.sync import is_imported_deck
from studyapp.interop.anki_read import (
    AnkiCard,
    AnkiPackage,
    DeckOptions,
    DeckOverrides,
    package_media,
    read_package,
)
from studyapp.interop.common import CardData, CardWriter, DeckResolver, ImportSummary, import_source
from studyapp.interop.history import AnkiDays, existing_logs, merge_history
from studyapp.interop.media import store_media
from studyapp.scheduling.presets import (
    FittedParameters,
    Preset,
    clamp_parameters,
    load_parameters,
    preset_key,
    save_parameters,
    save_preset,
)
from studyapp.storage.db import Database
from studyapp.storage.models import Card, Deck, ReviewLog
from studyapp.storage.settings import get_setting

ANKI_PREFIX = "anki-"
FLAG_TAG_PREFIX = "anki-flag-"  # anki-flag-red ... anki-flag-purple
BURIED_TAG = "anki-buried"
REVIEW_LOGS = cast(Table, ReviewLog.__table__)  # Core inserts: no ORM object per log
STYLING_NOTE = ("card templates' styling (CSS) and layout were not carried: studyapp shows each card "
                "as plain text")
_SAFE_GUID = re.compile(r"[A-Za-z0-9_-]{1,100}")


def note_key(guid: str) -> str:
    """The studyapp note id of an Anki note that studyapp did not make."""
    if _SAFE_GUID.fullmatch(guid):
        return ANKI_PREFIX + guid
    return ANKI_PREFIX + hashlib.sha256(guid.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def import_anki(
    database: Database,
    path: Path,
    now: datetime,
    *,
    deck_name: str | None = None,
    with_history: bool = True,
    media_dir: Path | None = None,
    package: AnkiPackage | None = None,
) -> ImportSummary:
    """Import the package in one transaction; its media files go to `media_dir` (when
    given) first, so a card never names a file that is not there. `package`: the file as
    read_package read it already (the CLI validates it before taking its backup)."""
    if package is None:  # raises before anything is written
        package = read_package(path, with_history=with_history, now=now)
    stored = None
    if media_dir is not None and package.media:
        files = list(package_media(package))  # every file unpacked (or a UserError) before any is written
        stored = store_media(media_dir, files)
        rename_media(package, stored.renamed)
    with database.unit_of_work() as session:
        summary = write_package(session, package, now, deck_name=deck_name, with_history=with_history)
    if stored is not None:
        summary.skipped.append(f"{stored.count} media files (images, sounds) kept in {media_dir}")
        if stored.refused:
            summary.skipped.append(f"{len(stored.refused)} media files with unsafe names were left out")
    elif package.media:
        summary.skipped.append(f"{len(package.media)} media files (images, sounds) were not stored")
    return summary


def rename_media(package: AnkiPackage, renamed: dict[str, str]) -> None:
    """Point the cards at the names their media got (a name taken by another file)."""
    if not renamed:
        return
    for card in package.cards:
        for old, new in renamed.items():
            for kind in ("image", "sound"):
                card.front = card.front.replace(f"[{kind}: {old}]", f"[{kind}: {new}]")
                card.back = card.back.replace(f"[{kind}: {old}]", f"[{kind}: {new}]")


def card_tags(item: AnkiCard) -> list[str]:
    """The note's tags, plus what Anki shows on the card itself: its flag and a bury."""
    extra = [f"{FLAG_TAG_PREFIX}{item.flag}"] if item.flag else []
    if item.buried:
        extra.append(BURIED_TAG)
    return [*item.tags, *extra]


@dataclass
class _Written:
    """What writing the package's cards leaves for the steps after it."""

    histories: list[tuple[Card, AnkiCard]] = field(default_factory=list)  # cards to replay
    left_decks: set[int] = field(default_factory=set)  # decks cards were in before: maybe empty now
    deck_options: dict[str, tuple[int, str]] = field(default_factory=dict)  # slug -> (options id, Anki deck)
    duplicates: int = 0


def write_package(session, package: AnkiPackage, now: datetime, *, deck_name=None,
                  with_history=True) -> ImportSummary:
    summary = ImportSummary(file=package.path.name, history=with_history)
    written = _write_cards(session, package, now, summary, deck_name=deck_name, with_history=with_history)
    _write_histories(session, package, written.histories, summary)
    adopt_deck_options(session, package, written.deck_options)
    removed = remove_empty_imported_decks(session, written.left_decks)
    if removed:
        summary.skipped.append(f"{removed} imported decks left empty were removed")
    summary.skipped.extend(package.notes)
    if not with_history:
        summary.skipped.append("review history not imported (--no-history): every card starts as new")
    if written.duplicates:
        summary.skipped.append(f"{written.duplicates} cards repeating a note already imported were skipped")
    if not package.cards:
        summary.skipped.append("the package holds no cards")
    else:
        summary.skipped.append(STYLING_NOTE)
    return summary


def _known_guids(session) -> tuple[dict[str, str], dict[str, str]]:
    """The guids studyapp's own exports gave its notes and cards: {guid: note id} and
    {guid: content id}, so a note that went to Anki and back finds its card."""
    known_notes: dict[str, str] = {}
    known_cards: dict[str, str] = {}
    for content_id, note_id in session.execute(select(Card.content_id, Card.note_id)):
        known_notes.setdefault(guid_for(note_id), note_id)
        if content_id != note_id:
            known_cards.setdefault(guid_for(content_id), content_id)
    return known_notes, known_cards


def _card_data(item: AnkiCard, content_id: str, note_id: str) -> CardData:
    extra = dict(item.extra)
    if "reverse_of" in extra:
        extra["reverse_of"] = note_id
    if note_id.startswith(ANKI_PREFIX):
        extra["anki_guid"] = item.guid
    return CardData(
        content_id=content_id, note_id=note_id, kind=item.kind, front=item.front,
        back=item.back, tags=card_tags(item), extra=extra, suspended=item.suspended,
    )


def _write_cards(session, package: AnkiPackage, now: datetime, summary: ImportSummary, *,
                 deck_name: str | None, with_history: bool) -> _Written:
    resolver = DeckResolver(session, now, import_source("anki", str(package.path.resolve())))
    writer = CardWriter(session, now, summary)
    known_notes, known_cards = _known_guids(session)
    written = _Written()
    seen: set[str] = set()
    for item in package.cards:
        if item.suffix == "" and item.guid in known_cards:
            content_id = known_cards[item.guid]
            existing = writer.existing(content_id)
            note_id = existing.note_id if existing is not None else content_id
        else:
            note_id = known_notes.get(item.guid) or note_key(item.guid)
            content_id = note_id + item.suffix
        if content_id in seen:
            written.duplicates += 1
            continue
        seen.add(content_id)
        before = writer.existing(content_id)
        if before is not None:
            written.left_decks.add(before.deck_id)
        deck_for = partial(resolver.named, deck_name or item.deck_name, explicit=deck_name is not None)
        card = writer.write(_card_data(item, content_id, note_id), deck_for)
        if is_imported_deck(card.deck):
            written.deck_options.setdefault(
                card.deck.slug, (package.card_config.get(item.anki_id, 1), item.deck_name))
        if with_history and (item.reviews or (item.schedule and item.schedule.card_type)):
            written.histories.append((card, item))
    return written


def _write_histories(session, package: AnkiPackage, histories: list[tuple[Card, AnkiCard]],
                     summary: ImportSummary) -> None:
    """Merge each card's Anki history into its logs; the new logs go in by bulk inserts."""
    new_ids = {card.id for card, _ in histories if card.id is not None}  # cards that were here before
    session.flush()  # new cards get their ids, which the review logs need
    new_ids = {card.id for card, _ in histories} - new_ids
    days = AnkiDays(package.rollover_phase)
    logs = existing_logs(session, [card.id for card, _ in histories if card.id not in new_ids])
    rows: list[dict] = []
    for card, item in histories:
        settings = package.settings_for(item)
        summary.reviews += merge_history(session, card, item.reviews, days=days,
                                         parameters=settings.parameters, final=item.schedule,
                                         existing=logs.get(card.id, ()), new_logs=rows)
        item.reviews = []  # read once: let the memory go
        if len(rows) >= 10_000:  # Core executemany in chunks, not an ORM object per log
            session.connection().execute(insert(REVIEW_LOGS), rows)
            rows.clear()
    session.flush()
    if rows:
        session.connection().execute(insert(REVIEW_LOGS), rows)


def remove_empty_imported_decks(session, deck_ids: set[int]) -> int:
    """Delete the imported decks among `deck_ids` that hold no card and no subdeck now
    (an import re-homed with --deck moved their cards), then their parents likewise."""
    removed = 0
    pending = set(deck_ids)
    while pending:
        deck = session.get(Deck, pending.pop())
        if deck is None or not is_imported_deck(deck):
            continue
        has_cards = session.scalar(select(func.count(Card.id)).where(Card.deck_id == deck.id))
        has_children = session.scalar(select(func.count(Deck.id)).where(Deck.parent_id == deck.id))
        if has_cards or has_children:
            continue
        if deck.parent_id is not None:
            pending.add(deck.parent_id)
        session.delete(deck)
        session.flush()
        removed += 1
    return removed


def adopt_deck_options(session, package: AnkiPackage, deck_options: dict[str, tuple[int, str]]) -> None:
    """Imported decks without a preset of their own take their Anki options: the options
    preset's (see `preset_from_anki`), with what the deck itself sets over it; and its
    FSRS parameters (when Anki had fitted some), saved for a studyapp preset named after
    Anki's options preset, so the schedule continues as in Anki."""
    for slug, (config_id, anki_deck) in deck_options.items():
        options = package.fsrs.get(config_id)
        if options is None or get_setting(session, preset_key(slug)) is not None:
            continue
        preset = preset_from_anki(options, package.deck_overrides.get(anki_deck), config_id)
        save_preset(session, slug, preset)
        if len(options.parameters) == 21 and load_parameters(session, preset.name) is None:
            save_parameters(session, preset.name, FittedParameters(
                clamp_parameters(options.parameters), fitted_at="imported from Anki"))


def _minutes(steps: tuple[float, ...]) -> tuple[timedelta, ...]:
    return tuple(timedelta(minutes=minutes) for minutes in steps if minutes > 0)


def preset_from_anki(options: DeckOptions, overrides: DeckOverrides | None, config_id: int) -> Preset:
    """studyapp's deck preset for an Anki options preset: desired retention, learning and
    relearning steps, new cards and reviews per day (the deck's own limits first),
    maximum interval, leech threshold and action. What studyapp has no equivalent for
    (display order, burying, SM-2 multipliers, timers, audio, easy days) stays in Anki."""
    overrides = overrides or DeckOverrides()
    retention = overrides.desired_retention or options.desired_retention
    changes: dict = {"name": f"anki-{config_id}"}
    if retention:
        changes["desired_retention"] = round(min(0.99, max(0.7, retention)), 4)
    if options.learn_steps is not None:
        changes["learning_steps"] = _minutes(options.learn_steps)
    if options.relearn_steps is not None:
        changes["relearning_steps"] = _minutes(options.relearn_steps)
    limits = {
        "new_per_day": first_set(overrides.new_per_day, options.new_per_day),
        "reviews_per_day": first_set(overrides.reviews_per_day, options.reviews_per_day),
        "maximum_interval": options.maximum_interval,
        "leech_threshold": options.leech_threshold,
        "leech_suspend": options.leech_suspend,
    }
    changes.update({name: value for name, value in limits.items()
                    if value is not None and not (isinstance(value, int) and value < 0)})
    return replace(Preset(), **changes)


def first_set(*values: int | None) -> int | None:
    return next((value for value in values if value is not None), None)
