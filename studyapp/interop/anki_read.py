"""Read an Anki package (.apkg / .colpkg) into plain data, touching no database of ours.

A package is a zip holding a SQLite collection: `collection.anki2` (Anki 2.0 style),
`collection.anki21` (Anki 2.1 with "Support older Anki versions" ticked) or
`collection.anki21b` (zstd-compressed, newer schema; refused with a message naming the
export option that writes the older format). Everything that can be wrong with the file
is found here and raised as one UserError line; nothing is written before that.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from studyapp.content.decks import render_cloze
from studyapp.errors import UserError
from studyapp.interop.history import PastReview
from studyapp.interop.htmltext import html_to_text

LEGACY_MEMBERS = ("collection.anki21", "collection.anki2")
NEW_FORMAT_MEMBER = "collection.anki21b"
OLDER_FORMAT_OPTION = "Support older Anki versions (slower/larger files)"
MAX_COLLECTION_BYTES = 2 * 1024**3
# revlog.type: 0 learn, 1 review, 2 relearn, 3 filtered (cram), 4 manual, 5 rescheduled
SKIPPED_REVLOG_TYPES = (4, 5)
MODEL_STANDARD, MODEL_CLOZE = 0, 1
_ANSWER_RULE = re.compile(r"<hr[^>]*\bid\s*=\s*[\"']?answer\b[^>]*>", re.IGNORECASE)
_TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_CLOZE_FIELD = re.compile(r"\{\{[^}]*?cloze:(?:[^}]?:)*(.+?)\}\}")


@dataclass
class NoteType:
    id: int
    name: str
    kind: int  # MODEL_STANDARD | MODEL_CLOZE
    fields: list[str]
    templates: list[tuple[str, str]]  # (question format, answer format)
    cloze_field: str | None = None


@dataclass
class AnkiCard:
    """One card of the package, rendered to text and ready to be written."""

    anki_id: int
    guid: str
    suffix: str  # "" | "::reverse" | "::t<N>" | "::c<N>"
    kind: str  # basic | cloze
    front: str
    back: str
    extra: dict[str, Any]
    tags: list[str]
    deck_name: str
    suspended: bool
    reviews: list[PastReview] = field(default_factory=list)


@dataclass
class AnkiPackage:
    path: Path
    member: str
    cards: list[AnkiCard]
    notes: list[str] = field(default_factory=list)  # things the learner should know


def read_package(path: Path, *, with_history: bool = False) -> AnkiPackage:
    """Everything the package holds, or a UserError naming the file and what is wrong."""
    try:
        return _read_package(path, with_history)
    except UserError:
        raise
    except Exception as exc:  # a damaged file can fail anywhere while being read
        raise UserError(f"{path}: not a readable Anki package ({_reason(exc)})") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_package(path: Path, with_history: bool) -> AnkiPackage:
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if not path.is_file():
        raise UserError(f"{path}: not a file")
    if not zipfile.is_zipfile(path):
        raise UserError(f"{path}: not an Anki package (it is not a zip file)")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UserError(f"{path}: not an Anki package (a damaged zip file: {_reason(exc)})") from exc
    with archive, tempfile.TemporaryDirectory(prefix="studyapp-anki-") as tmp:
        names = set(archive.namelist())
        member = next((m for m in LEGACY_MEMBERS if m in names), None)
        if NEW_FORMAT_MEMBER in names:
            raise UserError(
                f"{path}: this package uses Anki's newer compressed format ({NEW_FORMAT_MEMBER}), "
                f"which studyapp cannot read; in Anki, export it again with "
                f"\"{OLDER_FORMAT_OPTION}\" ticked"
            )
        if member is None:
            raise UserError(
                f"{path}: not an Anki package: the zip holds no collection "
                f"({' or '.join(LEGACY_MEMBERS)})"
            )
        info = archive.getinfo(member)
        if info.file_size > MAX_COLLECTION_BYTES:
            raise UserError(f"{path}: {member} is too large ({info.file_size} bytes)")
        target = Path(tmp) / "collection.sqlite"
        try:
            with archive.open(info) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink, 1024 * 1024)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise UserError(
                f"{path}: not an Anki package (a damaged zip file: cannot unpack {member}: {_reason(exc)})"
            ) from exc
        media = sum(1 for n in names if n not in (*LEGACY_MEMBERS, "media") and not n.endswith("/"))
        package = _read_collection(path, member, target, with_history)
        if media:
            package.notes.append(f"{media} media files (images, sounds) were not imported; studyapp shows text only")
        return package


def _read_collection(path: Path, member: str, file: Path, with_history: bool) -> AnkiPackage:
    where = f"{path} ({member})"
    try:
        conn = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise UserError(f"{where}: not a readable SQLite collection ({_reason(exc)})") from exc
    conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
    try:
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise UserError(f"{where}: not a SQLite collection ({_reason(exc)})") from exc
        missing = [t for t in ("col", "notes", "cards") if t not in tables]
        if missing:
            raise UserError(f"{where}: not an Anki collection (no {', '.join(missing)} table)")
        try:
            return _read_tables(path, member, conn, tables, with_history)
        except sqlite3.Error as exc:
            raise UserError(f"{where}: the collection is damaged ({_reason(exc)})") from exc
    finally:
        conn.close()


def _read_tables(path, member, conn, tables, with_history) -> AnkiPackage:
    where = f"{path} ({member})"
    row = conn.execute("SELECT models, decks FROM col LIMIT 1").fetchone()
    if row is None:
        raise UserError(f"{where}: not an Anki collection (the col table is empty)")
    models_json, decks_json = row
    if "notetypes" in tables and not (models_json or "").strip("{} \n"):
        raise UserError(
            f"{where}: this collection uses Anki's newer schema, which studyapp cannot read; "
            f"in Anki, export it again with \"{OLDER_FORMAT_OPTION}\" ticked"
        )
    note_types = _note_types(where, _json_object(where, "models", models_json))
    deck_names = _deck_names(where, _json_object(where, "decks", decks_json))

    notes: dict[int, tuple[str, int, list[str], list[str]]] = {}
    for nid, guid, mid, tags, flds in conn.execute("SELECT id, guid, mid, tags, flds FROM notes"):
        guid_text = str(guid).strip() if guid is not None else ""
        notes[_int(where, "note id", nid)] = (
            guid_text or f"n{nid}",
            _int(where, f"note {nid} type", mid),
            str(tags or "").split(),
            str(flds if flds is not None else "").split("\x1f"),
        )

    reviews: dict[int, list[PastReview]] = {}
    if with_history and "revlog" in tables:
        for rid, cid, ease, taken, kind in conn.execute(
            "SELECT id, cid, ease, time, type FROM revlog ORDER BY id"
        ):
            if kind in SKIPPED_REVLOG_TYPES or ease not in (1, 2, 3, 4):
                continue
            stamp = _int(where, "review id", rid)
            try:
                when = datetime.fromtimestamp(stamp / 1000, UTC)
            except (OverflowError, OSError, ValueError) as exc:
                raise UserError(f"{where}: review {rid} has an impossible time ({_reason(exc)})") from exc
            duration = _int(where, f"review {rid} time", taken or 0)
            reviews.setdefault(_int(where, "review card id", cid), []).append(
                PastReview(when, int(ease), max(0, min(duration, 2**31 - 1)))
            )

    package = AnkiPackage(path=path, member=member, cards=[])
    empty = 0
    orphans = 0
    rows = conn.execute("SELECT id, nid, did, ord, queue, odid FROM cards ORDER BY nid, ord, id")
    for cid, nid, did, ord_, queue, odid in rows:
        note = notes.get(nid)
        if note is None:
            orphans += 1
            continue
        guid, mid, tags, values = note
        note_type = note_types.get(mid)
        if note_type is None:
            raise UserError(
                f"{where}: note {nid} uses an unknown note type (id {mid}, not among the "
                f"collection's note types)"
            )
        deck_id = odid if isinstance(odid, int) and odid else did
        deck_name = deck_names.get(deck_id) or "Default"
        card = _render_card(where, note_type, guid, values, _int(where, f"card {cid} ord", ord_))
        if card is None:
            empty += 1
            continue
        kind, suffix, front, back, extra = card
        package.cards.append(
            AnkiCard(
                anki_id=cid, guid=guid, suffix=suffix, kind=kind, front=front, back=back,
                extra=extra, tags=tags, deck_name=deck_name, suspended=queue == -1,
                reviews=reviews.get(cid, []),
            )
        )
    if empty:
        package.notes.append(f"{empty} cards with an empty question were skipped")
    if orphans:
        package.notes.append(f"{orphans} cards without a note were skipped")
    return package


def _json_object(where: str, column: str, text: Any) -> dict:
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError, RecursionError) as exc:
        raise UserError(f"{where}: the collection's {column} are not valid JSON ({_reason(exc)})") from exc
    if not isinstance(value, dict):
        raise UserError(f"{where}: the collection's {column} are not a JSON object")
    return value


def _int(where: str, what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(f"{where}: {what} is not a number ({value!r:.40})")
    return value


def _note_types(where: str, models: dict) -> dict[int, NoteType]:
    result: dict[int, NoteType] = {}
    for key, model in models.items():
        if not isinstance(model, dict):
            raise UserError(f"{where}: note type {key} is not a JSON object")
        try:
            mid = int(model.get("id", key))
        except (TypeError, ValueError) as exc:
            raise UserError(f"{where}: note type {key!r:.40} has no numeric id") from exc
        name = str(model.get("name") or f"note type {mid}")
        kind = model.get("type", MODEL_STANDARD)
        fields = model.get("flds")
        templates = model.get("tmpls")
        if not isinstance(fields, list) or not isinstance(templates, list):
            raise UserError(f"{where}: note type {name!r} has no field or template list")
        field_names = [
            str(f.get("name", "")) for f in sorted(
                (f for f in fields if isinstance(f, dict)), key=lambda f: _sort_key(f.get("ord"))
            )
        ]
        formats = [
            (str(t.get("qfmt") or ""), str(t.get("afmt") or ""))
            for t in sorted((t for t in templates if isinstance(t, dict)), key=lambda t: _sort_key(t.get("ord")))
        ]
        note_type = NoteType(id=mid, name=name, kind=kind, fields=field_names, templates=formats)
        if kind == MODEL_CLOZE and formats:
            match = _CLOZE_FIELD.search(formats[0][0])
            note_type.cloze_field = match.group(1).strip() if match else None
        result[mid] = note_type
        try:
            result[int(key)] = note_type
        except (TypeError, ValueError):
            pass
    return result


def _sort_key(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _deck_names(where: str, decks: dict) -> dict[int, str]:
    names: dict[int, str] = {}
    for key, deck in decks.items():
        if not isinstance(deck, dict):
            continue
        try:
            names[int(deck.get("id", key))] = str(deck.get("name") or "Default").replace("\x1f", "::")
        except (TypeError, ValueError):
            continue
    return names


def _render_card(where, note_type: NoteType, guid, values, ord_):
    """(kind, suffix, front, back, extra) for one card, or None when its question is empty."""
    fields = dict(zip(note_type.fields, values + [""] * (len(note_type.fields) - len(values)), strict=False))
    if note_type.kind == MODEL_CLOZE:
        if not note_type.cloze_field or note_type.cloze_field not in fields:
            raise UserError(
                f"{where}: unknown note type {note_type.name!r}: a cloze type whose template "
                f"names no cloze field"
            )
        text = html_to_text(fields[note_type.cloze_field])
        if not text:
            return None
        others = [html_to_text(v) for k, v in fields.items() if k != note_type.cloze_field]
        extra_text = "\n\n".join(o for o in others if o)
        number = ord_ + 1
        back = render_cloze(text, number, reveal=True) + (f"\n\n{extra_text}" if extra_text else "")
        return (
            "cloze", f"::c{number}", render_cloze(text, number, reveal=False), back,
            {"text": text, "cloze": number, "extra": extra_text},
        )
    if note_type.kind != MODEL_STANDARD:
        raise UserError(
            f"{where}: unknown note type {note_type.name!r} (kind {note_type.kind!r}); studyapp "
            f"imports standard note types (Basic, Basic and reversed card) and Cloze"
        )
    if not 0 <= ord_ < len(note_type.templates):
        raise UserError(
            f"{where}: a card of note type {note_type.name!r} uses template {ord_ + 1}, "
            f"which the note type does not have"
        )
    qfmt, afmt = note_type.templates[ord_]
    question = render_template(qfmt, fields, answer=False)
    front = html_to_text(question)
    if not front:
        return None
    answer = render_template(afmt, fields, answer=True, front_side=question)
    rule = _ANSWER_RULE.search(answer)
    if rule:
        answer = answer[rule.end():]
    else:
        answer = render_template(afmt, fields, answer=True, front_side="")
    back = html_to_text(answer)
    if ord_ == 0:
        return "basic", "", front, back, {}
    if len(note_type.templates) == 2:
        return "basic", "::reverse", front, back, {"reverse_of": None}
    return "basic", f"::t{ord_ + 1}", front, back, {}


def render_template(template: str, fields: dict[str, str], *, answer: bool, front_side: str = "") -> str:
    """Anki's card template language, as much as plain text needs: {{Field}},
    {{#Field}}...{{/Field}}, {{^Field}}...{{/Field}}, filters like {{text:Field}},
    {{type:Field}} (the answer only) and {{FrontSide}}."""
    out: list[str] = []
    active: list[bool] = []
    position = 0
    for match in _TOKEN.finditer(template):
        if all(active):
            out.append(template[position:match.start()])
        position = match.end()
        tag = match.group(1).strip()
        if tag[:1] in ("#", "^"):
            filled = bool(html_to_text(fields.get(tag[1:].strip(), "")))
            active.append(filled if tag[0] == "#" else not filled)
        elif tag[:1] == "/":
            if active:
                active.pop()
        elif all(active):
            out.append(_field_value(tag, fields, answer, front_side))
    if all(active):
        out.append(template[position:])
    return "".join(out)


def _field_value(tag: str, fields: dict[str, str], answer: bool, front_side: str) -> str:
    if tag == "FrontSide":
        return front_side if answer else ""
    *filters, name = tag.split(":")
    name = name.strip()
    filters = [f.strip().split(" ")[0] for f in filters]
    if "type" in filters and not answer:
        return ""
    if name in fields:
        return fields[name]
    return ""  # special fields (Tags, Deck, Card...) and unknown names render empty
