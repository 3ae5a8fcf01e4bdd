"""Read an Anki package (.apkg / .colpkg) into plain data, touching no database of ours.

A package is a zip holding a SQLite collection, one of (newest first, the first present
is read): `collection.anki21b` (Anki 2.1.50+: zstd-compressed, schema 18, note types,
fields, templates, decks and deck options in their own tables as protobuf blobs, the
media map a compressed protobuf message and every media file compressed),
`collection.anki21` and `collection.anki2` (schema 11: JSON in the `col` row). Newer
packages also hold a dummy `collection.anki2` asking older Ankis to update; it is never
read when a newer member is there. Everything is read with the standard library and
`zstandard`; the official `anki` package is not needed.

Everything that can be wrong with the file is found here and raised as one UserError
line; nothing is written before that.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from studyapp.errors import UserError
from studyapp.interop import protowire
from studyapp.interop.anki_cloze import IMAGE_OCCLUSION_NAMES, cloze_numbers, render_cloze_html
from studyapp.interop.anki_math import render_math_markup
from studyapp.interop.history import PastReview
from studyapp.interop.htmltext import html_to_text

NEW_FORMAT_MEMBER = "collection.anki21b"
LEGACY_MEMBERS = ("collection.anki21", "collection.anki2")
MEMBERS = (NEW_FORMAT_MEMBER, *LEGACY_MEMBERS)
PACKAGE_FILES = {*MEMBERS, "media", "meta"}  # everything else in the zip is a media file
MAX_COLLECTION_BYTES = 2 * 1024**3
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
MODEL_STANDARD, MODEL_CLOZE = 0, 1
# cards.queue: -3 buried (by the user), -2 buried (sibling), -1 suspended, 0 new,
# 1 learning (due in epoch seconds), 2 review (due as a day number), 3 learning across
# days (day number), 4 preview (epoch seconds)
QUEUE_SUSPENDED = -1
BURIED_QUEUES = (-2, -3)
SECONDS_DUE_QUEUES = (1, 4)
DAY_DUE_QUEUES = (2, 3)
# cards.flags & 7: Anki's coloured flags
FLAG_NAMES = {1: "red", 2: "orange", 3: "green", 4: "blue", 5: "pink", 6: "turquoise", 7: "purple"}
DEFAULT_ROLLOVER_HOUR = 4
_ANSWER_RULE = re.compile(r"<hr[^>]*\bid\s*=\s*[\"']?answer\b[^>]*>", re.IGNORECASE)
_SOUND = re.compile(r"\[sound:([^\]]+)\]")
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
    template_names: list[str] = field(default_factory=list)
    image_occlusion: bool = False


@dataclass
class AnkiSchedule:
    """Where Anki left a card: its queue, its due moment, and its FSRS memory state."""

    card_type: int  # 0 new, 1 learning, 2 review, 3 relearning
    queue: int
    due: datetime | None  # learning/review cards only; the start of the due day for day dues
    interval_days: int
    reps: int
    lapses: int
    stability: float | None = None  # cards.data "s", when FSRS was on
    difficulty: float | None = None  # cards.data "d"
    last_review: datetime | None = None  # cards.data "lrt"
    # a (re)learning card: the index of its current step among its options preset's
    # (re)learning steps, from cards.left (see `learning_step`)
    step: int | None = None


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
    schedule: AnkiSchedule | None = None
    buried: bool = False
    flag: str | None = None
    note_modified: datetime | None = None


@dataclass
class DeckOptions:
    """One options preset (deck config) of the package: its FSRS settings and the parts
    of its study options that studyapp's deck presets have too. Steps are in minutes."""

    parameters: tuple[float, ...] = ()
    desired_retention: float | None = None
    name: str = ""
    learn_steps: tuple[float, ...] | None = None  # None: not in the package (keep ours)
    relearn_steps: tuple[float, ...] | None = None
    new_per_day: int | None = None
    reviews_per_day: int | None = None
    maximum_interval: int | None = None
    leech_threshold: int | None = None
    leech_suspend: bool | None = None  # Anki's leech action: suspend (True) or tag only


@dataclass
class DeckOverrides:
    """What one deck sets over its options preset (Anki 2.1.55+: "This deck" limits, and
    23.10+: a deck's own desired retention)."""

    new_per_day: int | None = None
    reviews_per_day: int | None = None
    desired_retention: float | None = None


def learning_step(remaining: int, steps: tuple[float, ...] | None, *, relearning: bool = False) -> int:
    """The index of a (re)learning card's current step: Anki keeps the number of steps
    left (the current one included) in `cards.left % 1000`, and finds the current step as
    `len(steps) - left` (rslib LearningSteps::current_delay). `steps` None: Anki's
    defaults (1m 10m to learn, 10m to relearn)."""
    count = len(steps) if steps is not None else (1 if relearning else 2)
    left = remaining % 1000
    return min(max(count - left, 0), max(count - 1, 0))


@dataclass
class AnkiPackage:
    path: Path
    member: str
    cards: list[AnkiCard]
    notes: list[str] = field(default_factory=list)  # things the learner should know
    media: dict[str, str] = field(default_factory=dict)  # media name -> zip member
    fsrs_enabled: bool = False
    fsrs: dict[int, DeckOptions] = field(default_factory=dict)  # deck config id -> options
    card_config: dict[int, int] = field(default_factory=dict)  # card id -> deck config id
    deck_overrides: dict[str, DeckOverrides] = field(default_factory=dict)  # deck name -> them
    rollover_phase: int = DEFAULT_ROLLOVER_HOUR * 3600  # UTC seconds after midnight of Anki's day change
    future_reviews: int = 0
    unsupported: dict[str, int] = field(default_factory=dict)  # note type name -> notes skipped

    def settings_for(self, card: AnkiCard) -> DeckOptions:
        return self.fsrs.get(self.card_config.get(card.anki_id, 1)) or self.fsrs.get(1) or DeckOptions()


def read_package(path: Path, *, with_history: bool = True, now: datetime | None = None) -> AnkiPackage:
    """Everything the package holds, or a UserError naming the file and what is wrong.
    Reviews dated after `now` are left out and counted (`future_reviews`)."""
    try:
        return _read_package(path, with_history, now or datetime.now(UTC))
    except UserError:
        raise
    except Exception as exc:  # a damaged file can fail anywhere while being read
        raise UserError(f"{path}: not a readable Anki package ({_reason(exc)})") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_package(path: Path, with_history: bool, now: datetime) -> AnkiPackage:
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
        member = next((m for m in MEMBERS if m in names), None)
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
                if member == NEW_FORMAT_MEMBER:
                    _decompress(source, sink)
                else:
                    shutil.copyfileobj(source, sink, 1024 * 1024)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            raise UserError(
                f"{path}: not an Anki package (a damaged zip file: cannot unpack {member}: {_reason(exc)})"
            ) from exc
        package = _read_collection(path, member, target, with_history, now)
        package.media = _media_map(path, archive, names, compressed=member == NEW_FORMAT_MEMBER)
        return package


def _decompress(source, sink) -> None:
    # deferred here and below: only the newer package format (collection.anki21b) uses zstd
    import zstandard

    reader = zstandard.ZstdDecompressor().stream_reader(source)
    copied = 0
    while chunk := reader.read(1024 * 1024):
        copied += len(chunk)
        if copied > MAX_COLLECTION_BYTES:
            raise ValueError(f"the collection unpacks to more than {MAX_COLLECTION_BYTES} bytes")
        sink.write(chunk)


def read_media(archive: zipfile.ZipFile, member: str, *, compressed: bool) -> bytes:
    """One media file's bytes (a newer package compresses each one with zstd)."""
    data = archive.read(member)
    if compressed and data.startswith(ZSTD_MAGIC):
        import zstandard  # deferred: only newer packages compress their media

        return zstandard.ZstdDecompressor().stream_reader(data).read()
    return data


def package_media(package: AnkiPackage):
    """(name, bytes) of every media file in the package, read again from its zip."""
    where = f"{package.path}"
    try:
        with zipfile.ZipFile(package.path) as archive:
            for name, member in sorted(package.media.items()):
                yield name, read_media(archive, member, compressed=package.member == NEW_FORMAT_MEMBER)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise UserError(f"{where}: a media file cannot be unpacked ({_reason(exc)})") from exc
    except Exception as exc:  # zstandard raises its own error type on a damaged frame
        raise UserError(f"{where}: a media file cannot be unpacked ({_reason(exc)})") from exc


def _media_map(path: Path, archive: zipfile.ZipFile, names: set[str], *, compressed: bool) -> dict[str, str]:
    """{media file name: zip member}. The `media` member maps the zip's numbered members
    to names: JSON in older packages, a zstd-compressed protobuf list (entry i is member
    "i") in newer ones."""
    if "media" not in names:
        return {}
    raw = archive.read("media")
    result: dict[str, str] = {}
    try:
        if raw.startswith(ZSTD_MAGIC):
            import zstandard  # deferred: only newer packages compress their media list

            entries = protowire.decode(zstandard.ZstdDecompressor().stream_reader(raw).read())
            for index, entry in enumerate(entries.get(1, [])):
                fields = protowire.decode(entry)
                number = protowire.first(fields, 255, index)
                result[protowire.text(fields, 1)] = str(number)
        else:
            mapping = json.loads(raw.decode("utf-8") or "{}")
            if not isinstance(mapping, dict):
                raise ValueError("not a JSON object")
            result = {str(name): str(number) for number, name in mapping.items()}
    except (ValueError, protowire.WireError) as exc:
        raise UserError(f"{path}: the package's media list is damaged ({_reason(exc)})") from exc
    return {name: member for name, member in result.items() if name and member in names}


def _read_collection(path: Path, member: str, file: Path, with_history: bool, now: datetime) -> AnkiPackage:
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
            return _read_tables(path, member, conn, tables, with_history, now)
        except sqlite3.Error as exc:
            raise UserError(f"{where}: the collection is damaged ({_reason(exc)})") from exc
        except protowire.WireError as exc:
            raise UserError(f"{where}: the collection's settings are damaged ({_reason(exc)})") from exc
    finally:
        conn.close()


@dataclass
class _Collection:
    """The collection-wide parts every card needs."""

    note_types: dict[int, NoteType]
    deck_names: dict[int, str]
    deck_configs: dict[int, int]  # deck id -> options preset id
    fsrs: dict[int, DeckOptions]
    config: dict[str, Any]
    created: int  # col.crt, epoch seconds
    deck_overrides: dict[int, DeckOverrides] = field(default_factory=dict)  # deck id -> them


def _read_schema(where: str, conn, tables) -> _Collection:
    row = conn.execute("SELECT crt, conf, models, decks, dconf FROM col LIMIT 1").fetchone()
    if row is None:
        raise UserError(f"{where}: not an Anki collection (the col table is empty)")
    crt, conf_json, models_json, decks_json, dconf_json = row
    if "notetypes" in tables and not (models_json or "").strip("{} \n"):
        return _read_schema18(where, conn, _int(where, "col.crt", crt))
    decks = _json_object(where, "decks", decks_json)
    return _Collection(
        note_types=_note_types(where, _json_object(where, "models", models_json)),
        deck_names=_deck_names(where, decks),
        deck_configs={
            deck_id: _plain_int(deck.get("conf"), 1)
            for deck_id, deck in _by_id(decks).items()
        },
        fsrs={
            conf_id: _legacy_options(conf)
            for conf_id, conf in _by_id(_json_object(where, "dconf", dconf_json or "{}")).items()
        },
        config=_json_object(where, "conf", conf_json or "{}"),
        created=_int(where, "col.crt", crt),
        deck_overrides={deck_id: _legacy_overrides(deck) for deck_id, deck in _by_id(decks).items()},
    )


def _numbers(value: Any) -> tuple[float, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(float(x) for x in value if isinstance(x, int | float) and not isinstance(x, bool))


def _section(conf: dict, name: str) -> dict:
    value = conf.get(name)
    return value if isinstance(value, dict) else {}


def _legacy_options(conf: dict) -> DeckOptions:
    """An options preset as the `dconf` JSON of schema 11 holds it."""
    new, review, lapse = _section(conf, "new"), _section(conf, "rev"), _section(conf, "lapse")
    action = lapse.get("leechAction")
    return DeckOptions(
        parameters=_numbers(conf.get("fsrsParams6") or conf.get("fsrsParams5")
                            or conf.get("fsrsWeights")) or (),
        desired_retention=_plain_float(conf.get("desiredRetention")),
        name=str(conf.get("name") or ""),
        learn_steps=_numbers(new.get("delays")),
        relearn_steps=_numbers(lapse.get("delays")),
        new_per_day=_plain_int(new.get("perDay"), -1) if "perDay" in new else None,
        reviews_per_day=_plain_int(review.get("perDay"), -1) if "perDay" in review else None,
        maximum_interval=_plain_int(review.get("maxIvl"), 0) or None,
        leech_threshold=_plain_int(lapse.get("leechFails"), 0) or None,
        leech_suspend=action == 0 if isinstance(action, int) else None,  # 0 suspend, 1 tag only
    )


def _legacy_overrides(deck: dict) -> DeckOverrides:
    new_limit, review_limit = deck.get("newLimit"), deck.get("reviewLimit")
    return DeckOverrides(
        new_per_day=new_limit if isinstance(new_limit, int) else None,
        reviews_per_day=review_limit if isinstance(review_limit, int) else None,
        desired_retention=_plain_float(deck.get("desiredRetention")),
    )


def _proto_options(name: str, blob: bytes) -> DeckOptions:
    """An options preset of schema 18 (DeckConfig.Config; proto3 leaves zero values out,
    so a missing count is 0, and a missing leech action is 0, suspend)."""
    options = protowire.decode(blob)
    parameters = (protowire.floats(options, 6) or protowire.floats(options, 5)
                  or protowire.floats(options, 3))  # fsrs_params_6 / _5 / _4
    return DeckOptions(
        parameters=tuple(parameters), desired_retention=protowire.single_float(options, 37),
        name=name,
        learn_steps=tuple(protowire.floats(options, 1)),  # learn_steps
        relearn_steps=tuple(protowire.floats(options, 2)),  # relearn_steps
        new_per_day=protowire.first(options, 9, 0),  # new_per_day
        reviews_per_day=protowire.first(options, 10, 0),  # reviews_per_day
        maximum_interval=protowire.first(options, 16, 0) or None,  # maximum_review_interval
        leech_threshold=protowire.first(options, 22, 0) or None,  # leech_threshold
        leech_suspend=protowire.first(options, 21, 0) == 0,  # leech_action: 0 suspend
    )


def _proto_overrides(normal: dict[int, list]) -> DeckOverrides:
    """Deck.Normal's optional review_limit (6), new_limit (7) and desired_retention (10):
    present only when the deck sets them."""
    return DeckOverrides(
        new_per_day=protowire.first(normal, 7), reviews_per_day=protowire.first(normal, 6),
        desired_retention=protowire.single_float(normal, 10),
    )


def _read_schema18(where: str, conn, created: int) -> _Collection:
    """Schema 18 keeps note types, decks and options in their own tables (protobuf blobs)."""
    fields: dict[int, list[tuple[int, str]]] = {}
    for ntid, ord_, name in conn.execute("SELECT ntid, ord, name FROM fields"):
        fields.setdefault(ntid, []).append((ord_, str(name)))
    templates: dict[int, list[tuple[int, str, bytes]]] = {}
    for ntid, ord_, name, blob in conn.execute("SELECT ntid, ord, name, config FROM templates"):
        templates.setdefault(ntid, []).append((ord_, str(name), blob))
    note_types: dict[int, NoteType] = {}
    for ntid, name, blob in conn.execute("SELECT id, name, config FROM notetypes"):
        settings = protowire.decode(blob)  # Notetype.Config: kind = 1, original_stock_kind = 9
        formats, names = [], []
        for _, template_name, blob in sorted(templates.get(ntid, []), key=lambda t: t[0]):
            template = protowire.decode(blob)  # Template.Config: q_format = 1, a_format = 2
            formats.append((protowire.text(template, 1), protowire.text(template, 2)))
            names.append(template_name)
        note_type = NoteType(
            id=ntid, name=str(name), kind=protowire.first(settings, 1, MODEL_STANDARD),
            fields=[n for _, n in sorted(fields.get(ntid, []))], templates=formats,
            template_names=names,
        )
        # StockNotetype.OriginalStockKind: 6 is Image Occlusion
        note_type.image_occlusion = protowire.first(settings, 9, 0) == 6 or _is_image_occlusion(note_type)
        _set_cloze_field(note_type)
        note_types[ntid] = note_type
    deck_names: dict[int, str] = {}
    deck_configs: dict[int, int] = {}
    overrides: dict[int, DeckOverrides] = {}
    for deck_id, name, kind in conn.execute("SELECT id, name, kind FROM decks"):
        deck_names[deck_id] = str(name).replace("\x1f", "::")
        normal = protowire.message(protowire.decode(kind), 1)  # DeckKindContainer.normal
        deck_configs[deck_id] = protowire.first(normal, 1, 1)  # Normal.config_id
        overrides[deck_id] = _proto_overrides(normal)
    fsrs = {conf_id: _proto_options(str(name), config)
            for conf_id, name, config in conn.execute("SELECT id, name, config FROM deck_config")}
    config: dict[str, Any] = {}
    for key, value in conn.execute("SELECT KEY, val FROM config"):
        try:
            config[str(key)] = json.loads(value)
        except (TypeError, ValueError):
            continue
    return _Collection(note_types, deck_names, deck_configs, fsrs, config, created, overrides)


def _by_id(objects: dict) -> dict[int, dict]:
    result: dict[int, dict] = {}
    for key, value in objects.items():
        if isinstance(value, dict):
            try:
                result[int(value.get("id", key))] = value
            except (TypeError, ValueError):
                continue
    return result


def _plain_int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _plain_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def rollover_phase(config: dict[str, Any]) -> int:
    """Seconds after UTC midnight at which the collection's day changes: the rollover
    hour in the collection's local time (`localOffset` is minutes west of UTC, as
    JavaScript's getTimezoneOffset gives it)."""
    hour = _plain_int(config.get("rollover"), DEFAULT_ROLLOVER_HOUR)
    offset = _plain_int(config.get("localOffset"), _plain_int(config.get("creationOffset"), 0))
    return (hour * 3600 + offset * 60) % 86400


def day_start_at(created: int, phase: int, day: int) -> datetime:
    """The UTC moment Anki's day number `day` (counted from the collection's creation
    day) begins."""
    first = created - ((created - phase) % 86400)  # the rollover at or before creation
    return datetime.fromtimestamp(first, UTC) + timedelta(days=day)


_Note = tuple[str, int, list[str], list[str], int]  # guid, note type id, tags, fields, mod


def _read_tables(path, member, conn, tables, with_history, now) -> AnkiPackage:
    where = f"{path} ({member})"
    collection = _read_schema(where, conn, tables)
    package = AnkiPackage(path=path, member=member, cards=[])
    package.fsrs = collection.fsrs
    package.fsrs_enabled = bool(collection.config.get("fsrs"))
    package.rollover_phase = rollover_phase(collection.config)
    package.deck_overrides = {
        collection.deck_names[deck_id]: overrides
        for deck_id, overrides in collection.deck_overrides.items()
        if deck_id in collection.deck_names and overrides != DeckOverrides()
    }
    notes = _read_notes(where, conn)
    reviews = _read_revlog(where, conn, tables, package, now) if with_history else {}
    skipped = {"empty": 0, "orphans": 0}
    rows = conn.execute(
        "SELECT id, nid, did, ord, type, queue, due, ivl, reps, lapses, odue, odid, flags, data, "
        "left FROM cards ORDER BY nid, ord, id"
    )
    for row in rows:
        card = _read_card(where, collection, package, notes, row, skipped)
        if card is not None:
            card.reviews = reviews.get(card.anki_id, [])
            package.cards.append(card)
    _note_what_was_skipped(package, skipped["empty"], skipped["orphans"])
    return package


def _read_notes(where: str, conn) -> dict[int, _Note]:
    notes: dict[int, _Note] = {}
    for nid, guid, mid, mod, tags, flds in conn.execute("SELECT id, guid, mid, mod, tags, flds FROM notes"):
        guid_text = str(guid).strip() if guid is not None else ""
        notes[_int(where, "note id", nid)] = (
            guid_text or f"n{nid}",
            _int(where, f"note {nid} type", mid),
            str(tags or "").split(),
            str(flds if flds is not None else "").split("\x1f"),
            mod if isinstance(mod, int) else 0,
        )
    return notes


def _read_card(where: str, collection: _Collection, package: AnkiPackage, notes: dict[int, _Note],
               row: tuple, skipped: dict[str, int]) -> AnkiCard | None:
    """One cards row as an AnkiCard; None (counted in `skipped` or `package.unsupported`)
    for a card without a note, with an empty question, or of a type studyapp cannot show."""
    cid, nid, did, ord_, ctype, queue, due, ivl, reps, lapses, odue, odid, flags, data, left = row
    note = notes.get(nid)
    if note is None:
        skipped["orphans"] += 1
        return None
    guid, mid, tags, values, modified = note
    note_type = collection.note_types.get(mid)
    if note_type is None:
        raise UserError(
            f"{where}: note {nid} uses an unknown note type (id {mid}, not among the "
            f"collection's note types)"
        )
    if note_type.image_occlusion:
        package.unsupported[note_type.name] = package.unsupported.get(note_type.name, 0) + 1
        return None
    in_filtered = isinstance(odid, int) and odid != 0
    deck_id = odid if in_filtered else did
    rendered = _render_card(where, note_type, guid, values, _int(where, f"card {cid} ord", ord_))
    if rendered is None:
        skipped["empty"] += 1
        return None
    kind, suffix, front, back, extra = rendered
    config_id = package.card_config[cid] = collection.deck_configs.get(deck_id, 1)
    schedule = _schedule(collection, package.rollover_phase, ctype, queue,
                         odue if in_filtered and odue else due, ivl, reps, lapses, data)
    if schedule.card_type in (1, 3) and isinstance(left, int):
        options = package.fsrs.get(config_id) or DeckOptions()
        steps = options.learn_steps if schedule.card_type == 1 else options.relearn_steps
        schedule.step = learning_step(left, steps, relearning=schedule.card_type == 3)
    return AnkiCard(
        anki_id=cid, guid=guid, suffix=suffix, kind=kind, front=front, back=back,
        extra=extra, tags=tags, deck_name=collection.deck_names.get(deck_id) or "Default",
        suspended=queue == QUEUE_SUSPENDED, schedule=schedule, buried=queue in BURIED_QUEUES,
        flag=FLAG_NAMES.get((flags or 0) & 7) if isinstance(flags, int) else None,
        note_modified=datetime.fromtimestamp(modified, UTC) if modified > 0 else None,
    )


def _note_what_was_skipped(package: AnkiPackage, empty: int, orphans: int) -> None:
    if empty:
        package.notes.append(f"{empty} cards with an empty question were skipped")
    if orphans:
        package.notes.append(f"{orphans} cards without a note were skipped")
    for name, count in sorted(package.unsupported.items()):
        package.notes.append(f"{count} cards of note type {name!r} (Image Occlusion) were not imported: "
                             f"studyapp cannot show image masks")
    if package.future_reviews:
        package.notes.append(f"{package.future_reviews} reviews dated in the future were left out")


def _read_revlog(where, conn, tables, package: AnkiPackage, now: datetime) -> dict[int, list[PastReview]]:
    reviews: dict[int, list[PastReview]] = {}
    if "revlog" not in tables:
        return reviews
    horizon = now.timestamp() * 1000
    # (a hot loop: 100,000 rows are common, so the checks are inline)
    for rid, cid, ease, ivl, factor, taken, kind in conn.execute(
        "SELECT id, cid, ease, ivl, factor, time, type FROM revlog ORDER BY id"
    ):
        if type(rid) is not int or type(cid) is not int or (taken is not None and type(taken) is not int):
            bad = next((name, value) for name, value in (("id", rid), ("card id", cid), ("time", taken))
                       if type(value) is not int)
            raise UserError(f"{where}: review {rid!r:.40}: {bad[0]} is not a number ({bad[1]!r:.40})")
        if rid > horizon:
            package.future_reviews += 1
            continue
        try:
            when = datetime.fromtimestamp(rid / 1000, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise UserError(f"{where}: review {rid} has an impossible time ({_reason(exc)})") from exc
        duration = min(max(taken or 0, 0), 2**31 - 1)
        reviews.setdefault(cid, []).append(
            PastReview(when, int(ease) if ease in (1, 2, 3, 4) else 0, duration,
                       kind if type(kind) is int else 1, ivl if type(ivl) is int else 0,
                       factor if type(factor) is int else 0)
        )
    return reviews


def _schedule(collection: _Collection, phase: int, ctype, queue, due, ivl, reps, lapses, data) -> AnkiSchedule:
    moment = None
    if isinstance(due, int) and not isinstance(due, bool) and ctype in (1, 2, 3):
        if queue in SECONDS_DUE_QUEUES or (queue not in DAY_DUE_QUEUES and ctype in (1, 3) and due > 1_000_000_000):
            moment = datetime.fromtimestamp(due, UTC)
        elif abs(due) < 1_000_000:
            moment = day_start_at(collection.created, phase, due)
    schedule = AnkiSchedule(
        card_type=_plain_int(ctype, 0), queue=_plain_int(queue, 0), due=moment,
        interval_days=_plain_int(ivl, 0), reps=_plain_int(reps, 0), lapses=_plain_int(lapses, 0),
    )
    try:
        memory = json.loads(data) if data else {}
    except (TypeError, ValueError):
        memory = {}
    if isinstance(memory, dict):
        schedule.stability = _plain_float(memory.get("s"))
        schedule.difficulty = _plain_float(memory.get("d"))
        last = memory.get("lrt")
        if isinstance(last, int) and last > 0:
            schedule.last_review = datetime.fromtimestamp(last, UTC)
    return schedule


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
        template_names = [
            str(t.get("name") or f"Card {i + 1}")
            for i, t in enumerate(sorted((t for t in templates if isinstance(t, dict)),
                                         key=lambda t: _sort_key(t.get("ord"))))
        ]
        note_type = NoteType(id=mid, name=name, kind=kind, fields=field_names, templates=formats,
                             template_names=template_names)
        note_type.image_occlusion = model.get("originalStockKind") == 6 or _is_image_occlusion(note_type)
        _set_cloze_field(note_type)
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


def _set_cloze_field(note_type: NoteType) -> None:
    if note_type.kind == MODEL_CLOZE and note_type.templates:
        match = _CLOZE_FIELD.search(note_type.templates[0][0])
        note_type.cloze_field = match.group(1).strip() if match else None


def _is_image_occlusion(note_type: NoteType) -> bool:
    """Anki's Image Occlusion type (a cloze type over an image's mask shapes): its
    template draws the masks with `{{cloze:Occlusion}}` in an `image-occlusion` block."""
    if note_type.kind != MODEL_CLOZE:
        return False
    question = note_type.templates[0][0] if note_type.templates else ""
    return "image-occlusion" in question or (
        any(note_type.name.startswith(n) for n in IMAGE_OCCLUSION_NAMES) and "Occlusion" in note_type.fields
    )


def field_text(markup: str) -> str:
    """A field's HTML as card text, LaTeX and MathJax rendered as Unicode; a sound
    reads `[sound: name]` like an image's `[image: name]`."""
    return _SOUND.sub(r"[sound: \1]", html_to_text(render_math_markup(markup)))


def _render_card(where, note_type: NoteType, guid, values, ord_):
    """(kind, suffix, front, back, extra) for one card, or None when its question is empty."""
    fields = dict(zip(note_type.fields, values + [""] * (len(note_type.fields) - len(values)), strict=False))
    if note_type.kind == MODEL_CLOZE:
        return _render_cloze(where, note_type, fields, ord_ + 1)
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
    front = field_text(question)
    if not front:
        return None
    answer = render_template(afmt, fields, answer=True, front_side=question)
    rule = _ANSWER_RULE.search(answer)
    if rule:
        answer = answer[rule.end():]
    else:
        answer = render_template(afmt, fields, answer=True, front_side="")
    back = field_text(answer)
    if len(note_type.templates) > 2:
        # kept so an export writes the note back as one note of this type, not one Basic
        # note per card
        extra = {"anki_note": {
            "type": note_type.name, "fields": note_type.fields, "values": values[:len(note_type.fields)],
            "templates": [[name, q, a] for name, (q, a) in zip(
                note_type.template_names or [f"Card {i + 1}" for i in range(len(note_type.templates))],
                note_type.templates, strict=False)],
        }}
        return "basic", "" if ord_ == 0 else f"::t{ord_ + 1}", front, back, extra
    if ord_ == 0:
        return "basic", "", front, back, {}
    if len(note_type.templates) == 2:
        return "basic", "::reverse", front, back, {"reverse_of": None}
    return "basic", f"::t{ord_ + 1}", front, back, {}


def _render_cloze(where, note_type: NoteType, fields: dict[str, str], number: int):
    """(kind, suffix, front, back, extra) for cloze `number` of a cloze note, or None when
    the note has no such cloze."""
    if not note_type.cloze_field or note_type.cloze_field not in fields:
        raise UserError(
            f"{where}: unknown note type {note_type.name!r}: a cloze type whose template "
            f"names no cloze field"
        )
    markup = fields[note_type.cloze_field]
    front = field_text(render_cloze_html(markup, number, reveal=False))
    if not front or number not in cloze_numbers(markup):
        return None
    others = [field_text(v) for k, v in fields.items() if k != note_type.cloze_field]
    extra_text = "\n\n".join(o for o in others if o)
    back = field_text(render_cloze_html(markup, number, reveal=True))
    back += f"\n\n{extra_text}" if extra_text else ""
    extra = {"text": html_to_text(markup), "cloze": number, "extra": extra_text}
    return "cloze", f"::c{number}", front, back, extra


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
