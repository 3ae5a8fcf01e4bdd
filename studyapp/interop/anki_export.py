"""`studyapp export DECK --apkg FILE`: a deck as an Anki package, written with genanki.

Notes are grouped as studyapp groups cards (by note id): a basic card and its reverse
become one "Basic (and reversed card)" note, the cloze cards of one text one Cloze note
(its {{c1::...}} text kept), a choice card a basic note (question and options / answer).
Note guids come from the note ids (`genanki.guid_for`; a note imported from Anki keeps
its own guid) and note and card ids from the content ids, so exporting again and
importing into Anki updates the notes instead of duplicating them. Exercises are graded
code and stay in studyapp.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import genanki
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.content.sync import is_imported_deck
from studyapp.errors import UserError
from studyapp.interop.history import AnkiDays
from studyapp.interop.htmltext import join_soft_wraps
from studyapp.interop.htmltext import text_to_html as field_html
from studyapp.storage.db import Database
from studyapp.storage.models import (
    STATE_LEARNING,
    STATE_NEW,
    STATE_RELEARNING,
    STATE_REVIEW,
    Card,
    Deck,
    ReviewLog,
)
from studyapp.storage.queries import deck_and_subdecks

# Fixed forever: Anki recognises a note type by its id.
BASIC_MODEL_ID = 1_730_417_301
REVERSED_MODEL_ID = 1_730_417_302
CLOZE_MODEL_ID = 1_730_417_303
# Note and card ids live in [ID_BASE, ID_BASE + ID_SPAN): millisecond times in the past,
# as Anki's own ids are.
ID_BASE = 1_000_000_000_000
ID_SPAN = 500_000_000_000

CSS = """.card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; background-color: white; }
pre { background: #f4f4f4; padding: 0.5em; overflow-x: auto; }
code { font-family: monospace; }
"""
_ANSWER = "{{FrontSide}}<hr id=answer>"

BASIC_MODEL = genanki.Model(
    BASIC_MODEL_ID, "studyapp Basic",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": _ANSWER + "{{Back}}"}],
    css=CSS,
)
REVERSED_MODEL = genanki.Model(
    REVERSED_MODEL_ID, "studyapp Basic (and reversed card)",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[
        {"name": "Card 1", "qfmt": "{{Front}}", "afmt": _ANSWER + "{{Back}}"},
        {"name": "Card 2", "qfmt": "{{Back}}", "afmt": _ANSWER + "{{Front}}"},
    ],
    css=CSS,
)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID, "studyapp Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>{{Back Extra}}"}],
    css=CSS,
    model_type=genanki.Model.CLOZE,
)


@dataclass
class ExportSummary:
    deck: str
    file: Path
    notes: int = 0
    cards: int = 0
    skipped: list[str] = field(default_factory=list)
    modified: dict[str, int] = field(default_factory=dict)  # note guid -> last content change (epoch s)
    reviews: int | None = None  # review log rows written (with --with-history)

    def describe(self) -> str:
        text = f"Exported deck {self.deck}: {self.notes} notes ({self.cards} cards) to {self.file}."
        if self.reviews is not None:
            text += f" With the schedule and {self.reviews} reviews."
        return "\n".join([text, *(f"note: {line}" for line in self.skipped)])


def note_guid(note_id: str, card: Card | None = None) -> str:
    """The Anki guid of a studyapp note: a note imported from Anki keeps its own."""
    if card is not None and isinstance(card.extra.get("anki_guid"), str) and card.extra["anki_guid"]:
        return card.extra["anki_guid"]
    return genanki.guid_for(note_id)


def stable_id(key: str) -> int:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return ID_BASE + int.from_bytes(digest[:8], "big") % ID_SPAN


def deck_id_for(slug: str) -> int:
    digest = hashlib.sha256(f"studyapp-deck:{slug}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


class _StableIds:
    """The ids genanki asks for, in the order it asks (a note, then its cards), each
    derived from a content id; a collision moves to the next free number."""

    def __init__(self, keys: list[str]):
        used: set[int] = set()
        self.ids: list[int] = []
        for key in keys:
            value = stable_id(key)
            while value in used:
                value += 1
            used.add(value)
            self.ids.append(value)
        self.position = 0

    def __iter__(self) -> Iterator[int]:
        return self

    def __next__(self) -> int:
        if self.position >= len(self.ids):  # genanki asked for more than planned
            self.position += 1
            return ID_BASE + ID_SPAN + self.position
        value = self.ids[self.position]
        self.position += 1
        return value


def find_deck(session: Session, name: str) -> Deck:
    deck = session.scalars(select(Deck).where(Deck.slug == name)).first()
    if deck is None:
        matches = list(session.scalars(select(Deck).where(Deck.title == name)))
        deck = matches[0] if len(matches) == 1 else None
    if deck is None:
        slugs = ", ".join(session.scalars(select(Deck.slug).order_by(Deck.position, Deck.slug))) or "none"
        raise UserError(f"no deck {name!r} (decks: {slugs})")
    return deck


def build_package(session: Session, deck: Deck, summary: ExportSummary):
    """(genanki decks, id keys in genanki's asking order) for `deck` and its subdecks (as
    Anki exports a deck: each subdeck under its full "Parent::Child" name)."""
    keys: list[str] = []
    anki_decks = []
    exercises = 0
    decks = {d.id: d for d in session.scalars(select(Deck).where(Deck.id.in_(deck_and_subdecks(session, deck.id))))}
    for member in [deck, *sorted((d for d in decks.values() if d.id != deck.id), key=lambda d: (d.title, d.slug))]:
        cards = list(session.scalars(
            select(Card).where(Card.deck_id == member.id, Card.retired.is_(False)).order_by(Card.position, Card.id)
        ))
        groups: dict[str, list[Card]] = {}
        for card in cards:
            if card.kind == "exercise":
                exercises += 1
                continue
            groups.setdefault(card.note_id, []).append(card)
        anki_deck = genanki.Deck(deck_id_for(member.slug), member.title, description=member.description)
        soft_wrapped = not is_imported_deck(member)  # content files wrap lines; Anki fields do not
        for note_id, group in groups.items():
            for note, note_key, card_keys in _notes_for(note_id, group, soft_wrapped):
                note.due = summary.notes  # Anki shows new cards in this order
                # the note changed when its content last did, not at export: Anki's "update
                # if newer" then keeps an edit made in Anki since the last export
                changed = max(as_utc(c.updated_at) for c in group if c.content_id in card_keys)
                summary.modified[note.guid] = int(changed.timestamp())
                anki_deck.add_note(note)
                keys.append(f"note:{note_key}")
                keys.extend(f"card:{k}" for k in card_keys)
                summary.notes += 1
                summary.cards += len(card_keys)
        anki_decks.append(anki_deck)
    if exercises:
        summary.skipped.append(f"{exercises} exercises were left out (they are graded in studyapp)")
    return anki_decks, keys


def _tags(card: Card) -> list[str]:
    return [t for t in card.tag_list if t]


def _notes_for(note_id: str, group: list[Card], soft_wrapped: bool = False):
    """(genanki.Note, note key, card keys) for one studyapp note. Text from content files
    has soft-wrapped lines, joined here (a line break in Anki would split a sentence)."""

    def text_to_html(text: str) -> str:
        return field_html(join_soft_wraps(text) if soft_wrapped else text)

    original = next((c.extra["anki_note"] for c in group if _is_note_spec(c.extra.get("anki_note"))), None)
    if original is not None:  # an Anki note with several templates: one note of its own type
        ordered = sorted(group, key=lambda c: _template_ord(note_id, c))
        note = genanki.Note(model=_original_model(original), fields=[str(v) for v in original["values"]],
                            tags=_tags(ordered[0]), guid=note_guid(note_id, ordered[0]))
        note.cards = [genanki.Card(_template_ord(note_id, c), suspend=c.suspended) for c in ordered]
        yield note, note_id, [c.content_id for c in ordered]
        return
    clozes = [c for c in group if c.kind == "cloze" and isinstance(c.extra.get("text"), str)
              and isinstance(c.extra.get("cloze"), int)]
    if clozes:
        first = clozes[0]
        note = genanki.Note(
            model=CLOZE_MODEL,
            fields=[text_to_html(first.extra["text"]), text_to_html(str(first.extra.get("extra") or ""))],
            tags=_tags(first), guid=note_guid(note_id, first),
        )
        numbered = sorted(clozes, key=lambda c: c.extra["cloze"])
        note.cards = [genanki.Card(c.extra["cloze"] - 1, suspend=c.suspended) for c in numbered]
        yield note, note_id, [c.content_id for c in numbered]
        group = [c for c in group if c not in clozes]
    reverses = [c for c in group if c.kind == "basic" and c.extra.get("reverse_of") == note_id]
    forward = next((c for c in group if c.kind == "basic" and c.content_id == note_id), None)
    if reverses and forward is not None:
        reverse = reverses[0]
        note = genanki.Note(
            model=REVERSED_MODEL,
            fields=[text_to_html(forward.front), text_to_html(forward.back)],
            tags=_tags(forward), guid=note_guid(note_id, forward),
        )
        note.cards = [genanki.Card(0, suspend=forward.suspended), genanki.Card(1, suspend=reverse.suspended)]
        yield note, note_id, [forward.content_id, reverse.content_id]
        group = [c for c in group if c is not forward and c is not reverse]
    for card in group:
        front, back = card.front, card.back
        if card.kind == "choice":
            found = card.extra.get("options")
            options = found if isinstance(found, list) else []
            lines = [f"- {o.get('text', '')}" for o in options if isinstance(o, dict)]
            if lines:
                front = front + "\n\n" + "\n".join(lines)
        guid = note_guid(note_id, card) if card.content_id == note_id else genanki.guid_for(card.content_id)
        note = genanki.Note(
            model=BASIC_MODEL, fields=[text_to_html(front), text_to_html(back)],
            tags=_tags(card), guid=guid,
        )
        note.cards = [genanki.Card(0, suspend=card.suspended)]
        yield note, card.content_id, [card.content_id]


def _is_note_spec(spec) -> bool:
    return (isinstance(spec, dict) and isinstance(spec.get("type"), str)
            and isinstance(spec.get("fields"), list) and isinstance(spec.get("values"), list)
            and isinstance(spec.get("templates"), list) and len(spec["fields"]) == len(spec["values"])
            and all(isinstance(t, list) and len(t) == 3 for t in spec["templates"]))


def _template_ord(note_id: str, card: Card) -> int:
    """0 for the note's first card, N-1 for its `::t<N>` card."""
    suffix = card.content_id[len(note_id):]
    return int(suffix[3:]) - 1 if suffix.startswith("::t") and suffix[3:].isdigit() else 0


_MODELS: dict[str, genanki.Model] = {}


def _original_model(spec: dict) -> genanki.Model:
    """The Anki note type an imported note came with, as a genanki model (its id from its
    name, fields and templates: the same type gets the same id in every export)."""
    key = json.dumps([spec["type"], spec["fields"], spec["templates"]], sort_keys=True)
    if key not in _MODELS:
        model_id = (1 << 30) + int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % (1 << 30)
        _MODELS[key] = genanki.Model(
            model_id, str(spec["type"]), fields=[{"name": str(f)} for f in spec["fields"]],
            templates=[{"name": str(n), "qfmt": str(q), "afmt": str(a)} for n, q, a in spec["templates"]],
            css=CSS,
        )
    return _MODELS[key]


def export_deck(database: Database, name: str, path: Path, now: datetime, *,
                with_history: bool = False) -> ExportSummary:
    """Write the deck as an .apkg; `with_history` adds each card's schedule (Anki queue,
    due day, interval, FSRS memory state) and its review log, so Anki continues it."""
    schedule: list[tuple] = []
    revlog: list[tuple] = []
    with database.unit_of_work() as session:
        deck = find_deck(session, name)
        summary = ExportSummary(deck=deck.slug, file=path)
        anki_decks, keys = build_package(session, deck, summary)
        if with_history and summary.notes:
            schedule, revlog = _history(session, keys, now)
            summary.reviews = len(revlog)
    if not summary.notes:
        raise UserError(f"deck {deck.slug!r} has no cards to export")
    _write_package(anki_decks, keys, path, now, summary.modified, schedule, revlog)
    return summary


# Anki's day for an exported schedule: genanki's collection was created at this moment,
# and its day changes at 4 am (UTC here: a day number needs one fixed zone)
GENANKI_CREATED = 1_411_124_400
ANKI_DAYS = AnkiDays(4 * 3600)
# revlog.type by the state the card was in before the review
_REVLOG_KIND = {STATE_NEW: 0, STATE_LEARNING: 0, STATE_REVIEW: 1, STATE_RELEARNING: 2}


def _history(session: Session, keys: list[str], now: datetime) -> tuple[list[tuple], list[tuple]]:
    """(cards UPDATE rows, revlog rows) for the exported cards, by their Anki card ids."""
    ids = dict(zip(keys, _StableIds(keys).ids, strict=True))
    by_content = {key[len("card:"):]: anki_id for key, anki_id in ids.items() if key.startswith("card:")}
    cards = session.scalars(select(Card).where(Card.content_id.in_(list(by_content)))).all()
    first_day = ANKI_DAYS.number(datetime.fromtimestamp(GENANKI_CREATED, UTC))
    schedule, revlog = [], []
    for card in cards:
        anki_id, state = by_content[card.content_id], card.state
        if state is None or state.state == STATE_NEW or state.due is None:
            continue
        due, last = as_utc(state.due), as_utc(state.last_review) if state.last_review else None
        data = json.dumps({"s": round(state.stability, 4), "d": round(state.difficulty, 4),
                           "lrt": int(last.timestamp())} if state.stability and state.difficulty and last else {})
        if state.state == STATE_REVIEW:
            interval = max(1, ANKI_DAYS.number(due) - ANKI_DAYS.number(last)) if last else 1
            row = (2, 2, ANKI_DAYS.number(due) - first_day, interval)
        else:  # (re)learning: due in epoch seconds
            row = (1 if state.state == STATE_LEARNING else 3, 1, int(due.timestamp()), 0)
        schedule.append((*row, state.reps or 0, state.lapses or 0, data, anki_id))
        for log in session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id)
                                   .order_by(ReviewLog.reviewed_at)):
            reviewed = as_utc(log.reviewed_at)
            log_due = as_utc(log.due) if log.due else reviewed
            if log.state == STATE_REVIEW:
                interval = max(1, ANKI_DAYS.number(log_due) - ANKI_DAYS.number(reviewed))
            else:
                interval = -max(1, int((log_due - reviewed).total_seconds()))
            revlog.append((int(reviewed.timestamp() * 1000), anki_id, log.rating, interval,
                           _REVLOG_KIND.get(log.prev_state, 1), max(0, log.duration_ms)))
    return schedule, revlog


def _write_package(anki_decks: list[genanki.Deck], keys: list[str], path: Path, now: datetime,
                   modified: dict[str, int], schedule: Sequence[tuple] = (), revlog: Sequence[tuple] = ()) -> None:
    target = path.expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="studyapp-export-") as tmp:
            collection = Path(tmp) / "collection.anki2"
            conn = sqlite3.connect(collection)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    genanki.Package(anki_decks).write_to_db(conn.cursor(), now.timestamp(), _StableIds(keys))
                conn.executemany("UPDATE notes SET mod = ? WHERE guid = ?",
                                 [(stamp, guid) for guid, stamp in modified.items()])
                conn.execute("UPDATE cards SET mod = (SELECT mod FROM notes WHERE notes.id = cards.nid)")
                # queue keeps a suspension genanki wrote (-1)
                conn.executemany("UPDATE cards SET type = ?, queue = CASE WHEN queue = -1 THEN -1 ELSE ? END, "
                                 "due = ?, ivl = ?, reps = ?, lapses = ?, data = ? WHERE id = ?", schedule)
                seen: set[int] = set()
                for stamp, cid, ease, interval, kind, taken in revlog:
                    while stamp in seen:  # revlog ids are unique milliseconds
                        stamp += 1
                    seen.add(stamp)
                    conn.execute("INSERT INTO revlog VALUES (?, ?, -1, ?, ?, 0, 0, ?, ?)",
                                 (stamp, cid, ease, interval, taken, kind))
                conn.commit()
            finally:
                conn.close()
            staged = Path(tmp) / "package.apkg"
            with zipfile.ZipFile(staged, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(collection, "collection.anki2")
                archive.writestr("media", json.dumps({}))
            fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
            try:
                with open(staged, "rb") as source, open(partial, "wb") as sink:
                    sink.write(source.read())
                os.replace(partial, target)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
    except OSError as exc:
        raise UserError(f"{path}: cannot write the package ({exc.strerror or exc})") from exc
