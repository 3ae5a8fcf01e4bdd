"""Anki collections built by hand, table by table (the Anki 2.0 schema: col, notes,
cards, revlog), and genanki packages: the two independent producers the importer meets.
`benchmarks/anki_import.py` builds its 10,000-card package with `Collection` too."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

SCHEMA = """
CREATE TABLE col (id integer primary key, crt integer not null, mod integer not null,
    scm integer not null, ver integer not null, dty integer not null, usn integer not null,
    ls integer not null, conf text not null, models text not null, decks text not null,
    dconf text not null, tags text not null);
CREATE TABLE notes (id integer primary key, guid text not null, mid integer not null,
    mod integer not null, usn integer not null, tags text not null, flds text not null,
    sfld integer not null, csum integer not null, flags integer not null, data text not null);
CREATE TABLE cards (id integer primary key, nid integer not null, did integer not null,
    ord integer not null, mod integer not null, usn integer not null, type integer not null,
    queue integer not null, due integer not null, ivl integer not null, factor integer not null,
    reps integer not null, lapses integer not null, left integer not null, odue integer not null,
    odid integer not null, flags integer not null, data text not null);
CREATE TABLE revlog (id integer primary key, cid integer not null, usn integer not null,
    ease integer not null, ivl integer not null, lastIvl integer not null,
    factor integer not null, time integer not null, type integer not null);
CREATE TABLE graves (usn integer not null, oid integer not null, type integer not null);
"""

BASIC_ID = 1342697561419
REVERSED_ID = 1342697561420
CLOZE_ID = 1342697561421
ANSWER = "{{FrontSide}}\n\n<hr id=answer>\n\n"

BASIC = {
    "id": BASIC_ID, "name": "Basic", "type": 0,
    "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
    "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": ANSWER + "{{Back}}"}],
}
REVERSED = {
    "id": REVERSED_ID, "name": "Basic (and reversed card)", "type": 0,
    "flds": [{"name": "Front", "ord": 0}, {"name": "Back", "ord": 1}],
    "tmpls": [
        {"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": ANSWER + "{{Back}}"},
        {"name": "Card 2", "ord": 1, "qfmt": "{{Back}}", "afmt": ANSWER + "{{Front}}"},
    ],
}
CLOZE = {
    "id": CLOZE_ID, "name": "Cloze", "type": 1,
    "flds": [{"name": "Text", "ord": 0}, {"name": "Back Extra", "ord": 1}],
    "tmpls": [{"name": "Cloze", "ord": 0, "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}<br>\n{{Back Extra}}"}],
}
DECKS = {
    "1": {"id": 1, "name": "Default"},
    "1500000000001": {"id": 1500000000001, "name": "ML::Optimizers"},
}


class Collection:
    """A collection.anki2 written row by row."""

    def __init__(self, models=None, decks=None, *, created: int = 1411124400, conf: dict | None = None,
                 dconf: dict | None = None):
        self.models = {str(m["id"]): m for m in (models or [BASIC, REVERSED, CLOZE])}
        self.decks = decks or DECKS
        self.created = created  # col.crt: Anki's day numbers count from this day
        self.conf = conf or {}
        self.dconf = dconf or {}
        self.notes: list[tuple] = []
        self.cards: list[tuple] = []
        self.revlog: list[tuple] = []

    def note(self, nid, guid, mid, fields, tags="", *, deck=1500000000001, ords=(0,), queue=0, mod=0):
        """A note and its cards (new unless `queue` says otherwise); returns the card ids."""
        self.notes.append((nid, guid, mid, mod, -1, f" {tags} " if tags else "", "\x1f".join(fields),
                           fields[0], 0, 0, ""))
        ids = []
        for ord_ in ords:
            ids.append(self.card(nid * 10 + ord_, nid, deck, ord_=ord_, queue=queue))
        return ids

    def card(self, cid, nid, deck, *, ord_=0, card_type=0, queue=0, due=0, interval=0, reps=0,
             data="") -> int:
        """One cards row: `card_type` 0 new, 1 learning, 2 review, 3 relearning; `data`
        the FSRS memory state as Anki keeps it (JSON)."""
        self.cards.append((cid, nid, deck, ord_, 0, -1, card_type, queue, due, interval, 2500, reps,
                           0, 0, 0, 0, 0, data))
        return cid

    def review(self, cid, ms, ease, *, kind=1, taken=5000, interval=1):
        self.revlog.append((ms, cid, -1, ease, interval, 0, 2500, taken, kind))

    def write(self, path: Path) -> Path:
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path)
        conn.executescript(SCHEMA)
        conn.execute(
            "INSERT INTO col VALUES (1, ?, 0, 0, 11, 0, 0, 0, ?, ?, ?, ?, '{}')",
            (self.created, json.dumps(self.conf), json.dumps(self.models), json.dumps(self.decks),
             json.dumps(self.dconf)),
        )
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", self.notes)
        conn.executemany("INSERT INTO cards VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.cards)
        conn.executemany("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", self.revlog)
        conn.commit()
        conn.close()
        return path

    def package(self, path: Path, member: str = "collection.anki2", extra: dict | None = None,
                media: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_STORED) -> Path:
        collection = self.write(path.with_suffix(".sqlite"))
        with zipfile.ZipFile(path, "w", compression) as archive:
            archive.write(collection, member)
            archive.writestr("media", json.dumps({str(i): name for i, name in enumerate(media or {})}))
            for index, data in enumerate((media or {}).values()):
                archive.writestr(str(index), data)
            for name, data in (extra or {}).items():
                archive.writestr(name, data)
        collection.unlink()
        return path


def genanki_package(path: Path) -> Path:
    """A package written by genanki: Basic, Basic (and reversed card) and Cloze notes in a
    nested deck, with HTML, tags and an entity."""
    import genanki

    deck = genanki.Deck(2059400110, "Deep Learning::Activations")
    deck.add_note(genanki.Note(
        model=genanki.BASIC_MODEL,
        fields=["What does <b>ReLU</b> compute?", "<div>max(0, x)</div><div>elementwise &amp; cheap</div>"],
        tags=["activation", "basics"], guid="relu-guid",
    ))
    deck.add_note(genanki.Note(
        model=genanki.BASIC_AND_REVERSED_CARD_MODEL,
        fields=["sigmoid", "<code>1 / (1 + exp(-x))</code>"], guid="sigmoid-guid",
    ))
    deck.add_note(genanki.Note(
        model=genanki.CLOZE_MODEL,
        fields=["{{c1::GELU}} weights inputs by {{c2::their percentile::a CDF}}<br>under a Gaussian",
                "<ul><li>smooth</li><li>used in <i>BERT</i></li></ul>"],
        guid="gelu-guid",
    ))
    genanki.Package(deck).write_to_file(path, timestamp=1_700_000_000)
    return path
