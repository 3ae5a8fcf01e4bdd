"""`studyapp import FILE.csv|.tsv --deck NAME`: rows of front, back and optional tags.

The first row is a header when it names a front and a back column ("front"/"question",
"back"/"answer", optionally "tags"); otherwise the columns are front, back[, tags].
The file must be UTF-8. Each card's id is `csv-<hash of its front>`, so importing the
same file again adds nothing and an edited back updates its card.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from studyapp.errors import UserError
from studyapp.interop.common import CardData, CardWriter, DeckResolver, ImportSummary, import_source
from studyapp.storage.db import Database
from studyapp.vocabulary import KIND_BASIC

FRONT_NAMES = {"front", "question", "prompt", "term"}
BACK_NAMES = {"back", "answer", "definition"}
TAG_NAMES = {"tags", "tag"}
MAX_BYTES = 256 * 1024 * 1024


@dataclass
class CsvRows:
    path: Path
    cards: list[CardData]
    notes: list[str] = field(default_factory=list)


def content_id_for(front: str) -> str:
    return "csv-" + hashlib.sha256(front.encode("utf-8")).hexdigest()[:16]


_EMPTY = "the file is empty; expected rows of front, back and optional tags"
Rows = list[tuple[int, list[str]]]  # (line number, cells), blank rows left out


@dataclass(frozen=True)
class _Columns:
    front: int = 0
    back: int = 1
    tags: int | None = 2


def read_csv(path: Path) -> CsvRows:
    """The cards a CSV/TSV file describes, or a UserError naming the file (and line)."""
    text = _decode(path, _read_bytes(path))
    if not text.strip():
        raise UserError(f"{path}: {_EMPTY}")
    delimiter = _delimiter(path, text)
    rows = _rows(path, text, delimiter)
    columns = _columns(path, rows, delimiter)  # takes a header row off `rows`
    return _cards(path, rows, columns, delimiter)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UserError(f"{path}: not a file")
        if size > MAX_BYTES:
            raise UserError(f"{path}: the file is too large ({size} bytes)")
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UserError(f"{path}: no such file") from exc
    except OSError as exc:
        raise UserError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc


def _rows(path: Path, text: str, delimiter: str) -> Rows:
    """The non-blank rows with their line numbers, past any of Anki's "#key:value" lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: Rows = []
    line = 1
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise UserError(
            f"{path}:{reader.line_num or line}: not valid {_kind(delimiter)} ({exc})"
        ) from exc
    # Anki's own text exports start with lines like "#separator:tab"
    while rows and rows[0][1][0].startswith("#") and ":" in rows[0][1][0]:
        rows.pop(0)
    if not rows:
        raise UserError(f"{path}: {_EMPTY}")
    return rows


def _columns(path: Path, rows: Rows, delimiter: str) -> _Columns:
    """Which column is which: named by a header row (then taken off `rows`), else front,
    back[, tags]. Rows wider than that are refused."""
    header = [cell.strip().lower() for cell in rows[0][1]]
    fronts = [i for i, name in enumerate(header) if name in FRONT_NAMES]
    backs = [i for i, name in enumerate(header) if name in BACK_NAMES]
    if fronts and backs:
        tags = next((i for i, name in enumerate(header) if name in TAG_NAMES), None)
        columns = _Columns(fronts[0], backs[0], tags)
        width, named_by = _width(rows[0][1]), "the header has"
        rows.pop(0)
        if not rows:
            raise UserError(f"{path}: no cards: the file has a header row but no rows below it")
    else:
        width, named_by = _usual_width(rows), "most rows have"
        columns = _Columns() if width >= 3 else _Columns(tags=None)
    _refuse_extra_fields(path, rows, width, named_by, delimiter)
    return columns


def _cards(path: Path, rows: Rows, columns: _Columns, delimiter: str) -> CsvRows:
    """One card per row; a row repeating an earlier front is skipped (and counted)."""
    result = CsvRows(path=path, cards=[])
    seen: set[str] = set()
    duplicates = 0
    for number, row in rows:
        card = _card(path, number, row, columns, delimiter)
        if card.content_id in seen:
            duplicates += 1
            continue
        seen.add(card.content_id)
        result.cards.append(card)
    if duplicates:
        result.notes.append(f"{duplicates} rows repeating an earlier front were skipped")
    return result


def _card(path: Path, number: int, row: list[str], columns: _Columns, delimiter: str) -> CardData:
    if len(row) <= max(columns.front, columns.back):
        raise UserError(
            f"{path}:{number}: expected a front and a back column separated by "
            f"{_name(delimiter)}, found {len(row)} column{'s' if len(row) != 1 else ''}"
        )
    front, back = _clean(row[columns.front]), _clean(row[columns.back])
    if not front:
        raise UserError(f"{path}:{number}: the front (column {columns.front + 1}) is empty")
    if not back:
        raise UserError(f"{path}:{number}: the back (column {columns.back + 1}) is empty")
    tags_col = columns.tags
    tags = (
        re.split(r"[\s,]+", row[tags_col]) if tags_col is not None and tags_col < len(row) else []
    )
    content_id = content_id_for(front)
    return CardData(
        content_id=content_id, note_id=content_id, kind=KIND_BASIC, front=front, back=back,
        tags=[t for t in tags if t], source_file=str(path), source_line=number,
    )


def _width(row: list[str]) -> int:
    """A row's fields without the empty ones at its end (a spreadsheet pads rows with them)."""
    width = len(row)
    while width and not row[width - 1].strip():
        width -= 1
    return width


def _usual_width(rows: list[tuple[int, list[str]]]) -> int:
    """Columns of a file without a header: front, back and, when most rows have one, tags
    (a row split by an unquoted comma is the odd one out, not the rule)."""
    widths = Counter(min(max(_width(row), 2), 4) for _, row in rows)
    usual = max(sorted(widths, reverse=True), key=lambda w: widths[w])  # ties: the wider
    return min(usual, 3)


_OPENERS, _CLOSERS = "([{", ")]}"


def _split_bracket(row: list[str]) -> bool:
    """Whether a bracket opened in one field closes in a later one: `max(0, x)` split by
    its comma into "max(0" and " x)"."""
    depth = 0
    for i, cell in enumerate(row[:-1]):
        depth += sum(cell.count(c) for c in _OPENERS) - sum(cell.count(c) for c in _CLOSERS)
        if depth > 0 and any(c in later for later in row[i + 1:] for c in _CLOSERS):
            return True
    return False


def _refuse_extra_fields(path: Path, rows: list[tuple[int, list[str]]], columns: int, named_by: str,
                         delimiter: str) -> None:
    """A row with more fields than the file has columns lost text to an unquoted separator
    (`What is ReLU?,max(0, x)`): refuse it rather than drop what follows. Without a header a
    third field may be tags, so a bracket split across fields gives the split away too."""
    for number, row in rows:
        width = _width(row)
        if width > columns:
            problem = f"{width} fields where {named_by} {columns}"
        elif named_by != "the header has" and width == 3 and _split_bracket(row[:width]):
            problem = "a bracket opened in one field closes in the next"
        else:
            continue
        raise UserError(
            f"{path}:{number}: {problem}; a field that holds {_name(delimiter)} must be quoted, "
            f"e.g. {_example(delimiter)}"
        )


def _example(delimiter: str) -> str:
    return {",": '"max(0, x)"', ";": '"a; b"', "\t": '"a<tab>b"'}[delimiter]


def _decode(path: Path, raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(
            f'{path}: the file is UTF-16 text; save it as UTF-8 ("CSV UTF-8") and import again'
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UserError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as "
            f"UTF-8 and import again"
        ) from exc
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise UserError(
            f"{path}:{line}: the file holds NUL bytes (UTF-16 text?); "
            "save it as UTF-8 and import again"
        )
    return text


def _delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() == ".tsv":
        return "\t"
    first = text.split("\n", 1)[0]
    if "," not in first:
        if "\t" in first:
            return "\t"
        if ";" in first:
            return ";"
    return ","


def _kind(delimiter: str) -> str:
    return "TSV" if delimiter == "\t" else "CSV"


def _name(delimiter: str) -> str:
    return {"\t": "a tab", ",": "a comma", ";": "a semicolon"}[delimiter]


def _clean(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def import_csv(database: Database, path: Path, now: datetime, *, deck_name: str,
               rows: CsvRows | None = None) -> ImportSummary:
    """`rows`: the file as read_csv read it already (the CLI validates before its backup)."""
    if not deck_name or not deck_name.strip():
        raise UserError(f"{path}: importing a CSV/TSV file needs --deck NAME")
    rows = rows if rows is not None else read_csv(path)
    with database.unit_of_work() as session:
        summary = ImportSummary(file=path.name)
        resolver = DeckResolver(session, now, import_source("csv", str(path.resolve())))
        writer = CardWriter(session, now, summary)
        title = deck_name.strip()
        for data in rows.cards:
            writer.write(data, lambda: resolver.named(title, explicit=True))
        session.flush()
    summary.skipped.extend(rows.notes)
    return summary
