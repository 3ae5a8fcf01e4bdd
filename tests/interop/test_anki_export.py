"""Exporting a deck with genanki, and the round trip export -> import."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import timedelta

import genanki
import pytest
from sqlalchemy import select

from studyapp.errors import UserError
from studyapp.interop.anki_export import (
    BASIC_MODEL_ID,
    CLOZE_MODEL_ID,
    REVERSED_MODEL_ID,
    export_deck,
)
from studyapp.interop.anki_import import import_anki, note_key
from studyapp.storage.db import open_database
from studyapp.storage.models import Card, ReviewLog

from .conftest import dump


def read_collection(path, tmp_path):
    with zipfile.ZipFile(path) as archive:
        assert "collection.anki2" in archive.namelist()
        archive.extract("collection.anki2", tmp_path / "x")
    conn = sqlite3.connect(tmp_path / "x" / "collection.anki2")
    notes = conn.execute("SELECT id, guid, mid, flds, tags FROM notes ORDER BY id").fetchall()
    cards = conn.execute("SELECT id, nid, ord, queue FROM cards ORDER BY id").fetchall()
    models = json.loads(conn.execute("SELECT models FROM col").fetchone()[0])
    conn.close()
    return notes, cards, models


def test_export_writes_basic_reversed_cloze_and_choice_notes(synced, clock, tmp_path):
    summary = export_deck(synced, "optim", tmp_path / "optim.apkg", clock.now())
    assert (summary.notes, summary.cards) == (5, 7)
    assert "1 exercises were left out" in summary.describe()
    notes, cards, models = read_collection(tmp_path / "optim.apkg", tmp_path)
    by_guid = {guid: (mid, flds.split("\x1f"), tags.split()) for _, guid, mid, flds, tags in notes}
    assert set(by_guid) == {genanki.guid_for(n) for n in
                            ("adam-beta2", "sgd-momentum", "rmsprop-cloze", "rmsprop-alpha", "code-card")}
    assert {int(k) for k in models} == {BASIC_MODEL_ID, REVERSED_MODEL_ID, CLOZE_MODEL_ID}
    mid, fields, tags = by_guid[genanki.guid_for("rmsprop-cloze")]
    assert mid == CLOZE_MODEL_ID
    assert fields == ["RMSprop divides by {{c1::sqrt(square_avg)}} + {{c2::eps::tiny}}.",
                      "torch adds eps outside the sqrt."]
    mid, fields, tags = by_guid[genanki.guid_for("adam-beta2")]
    assert mid == BASIC_MODEL_ID and tags == ["adam", "defaults"]
    assert fields == ["Adam's default <b>beta2</b>?", "0.999 (see <code>torch.optim.Adam</code>)"]
    mid, fields, _ = by_guid[genanki.guid_for("sgd-momentum")]
    assert mid == REVERSED_MODEL_ID and fields[1] == "SGD with momentum"
    _, fields, _ = by_guid[genanki.guid_for("rmsprop-alpha")]
    assert fields == ["torch.optim.RMSprop's default alpha?<br><br>- 0.9<br>- 0.99",
                      "- 0.99<br><br>many notes use 0.9."]
    _, fields, _ = by_guid[genanki.guid_for("code-card")]
    assert '<pre><code class="language-python">print(1 &lt; 2)</code></pre>' in fields[0]
    assert sorted(o for _, _, o, _ in cards) == [0, 0, 0, 0, 0, 1, 1]  # 2 cloze ords, 1 reverse


def test_exporting_again_gives_the_same_note_and_card_ids(synced, clock, tmp_path):
    export_deck(synced, "optim", tmp_path / "a.apkg", clock.now())
    clock.advance(days=3)
    export_deck(synced, "Optimizers", tmp_path / "b.apkg", clock.now())  # by title
    first = read_collection(tmp_path / "a.apkg", tmp_path / "1")
    second = read_collection(tmp_path / "b.apkg", tmp_path / "2")
    assert [n[:2] for n in first[0]] == [n[:2] for n in second[0]]
    assert first[1] == second[1]


def test_round_trip_into_a_fresh_database_keeps_the_text(synced, clock, tmp_path):
    export_deck(synced, "optim", tmp_path / "optim.apkg", clock.now())
    fresh = open_database("sqlite://")
    try:
        summary = import_anki(fresh, tmp_path / "optim.apkg", clock.now())
        assert summary.added == 7 and summary.decks == ["optimizers"]
        with synced.unit_of_work() as session:
            original = {c.content_id: c for c in session.scalars(select(Card))}
        with fresh.unit_of_work() as session:
            imported = {c.content_id: c for c in session.scalars(select(Card))}
        def guid(note_id):  # the id an Anki note gets: a hash of its (base91) guid
            return note_key(genanki.guid_for(note_id))[len("anki-"):]

        for source in ("adam-beta2", "code-card", "sgd-momentum"):
            copy = imported[f"anki-{guid(source)}"]
            assert (copy.front, copy.back) == (original[source].front, original[source].back)
        reverse = imported[f"anki-{guid('sgd-momentum')}::reverse"]
        assert (reverse.front, reverse.back) == (original["sgd-momentum::reverse"].front,
                                                 original["sgd-momentum::reverse"].back)
        for n in (1, 2):
            copy = imported[f"anki-{guid('rmsprop-cloze')}::c{n}"]
            assert copy.extra == {**original[f"rmsprop-cloze::c{n}"].extra,
                                  "anki_guid": genanki.guid_for("rmsprop-cloze")}
            assert (copy.front, copy.back) == (original[f"rmsprop-cloze::c{n}"].front,
                                               original[f"rmsprop-cloze::c{n}"].back)
        choice = imported[f"anki-{guid('rmsprop-alpha')}"]
        assert choice.kind == "basic" and choice.front.endswith("- 0.9\n- 0.99")
        # and back out again: the imported notes keep their guids
        export_deck(fresh, "optimizers", tmp_path / "again.apkg", clock.now())
        first = {n[1] for n in read_collection(tmp_path / "optim.apkg", tmp_path / "1")[0]}
        second = {n[1] for n in read_collection(tmp_path / "again.apkg", tmp_path / "2")[0]}
        assert first == second
    finally:
        fresh.dispose()


def test_round_trip_into_the_same_database_adds_nothing(synced, clock, tmp_path):
    export_deck(synced, "optim", tmp_path / "optim.apkg", clock.now())
    before = dump(synced)
    summary = import_anki(synced, tmp_path / "optim.apkg", clock.now(), with_history=True)
    assert (summary.added, summary.updated, summary.kept) == (0, 0, 7)
    assert dump(synced) == before


def test_reviews_made_in_anki_come_back_onto_the_original_cards(synced, clock, tmp_path):
    path = tmp_path / "optim.apkg"
    export_deck(synced, "optim", path, clock.now())
    # "study on the phone": add revlog rows to the exported collection
    with zipfile.ZipFile(path) as archive:
        archive.extract("collection.anki2", tmp_path / "x")
    collection = tmp_path / "x" / "collection.anki2"
    conn = sqlite3.connect(collection)
    nid = conn.execute("SELECT id FROM notes WHERE guid = ?", (genanki.guid_for("adam-beta2"),)).fetchone()[0]
    cid = conn.execute("SELECT id FROM cards WHERE nid = ?", (nid,)).fetchone()[0]
    start = clock.now() - timedelta(days=10)  # before now: reviews dated later are left out
    for i, ease in enumerate((3, 3, 4)):
        stamp = int((start + timedelta(days=i * 3)).timestamp() * 1000)
        conn.execute("INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)", (stamp, cid, -1, ease, 1, 0, 0, 3000, 1))
    conn.commit()
    conn.close()
    studied = tmp_path / "studied.apkg"
    with zipfile.ZipFile(studied, "w") as archive:
        archive.write(collection, "collection.anki2")
    summary = import_anki(synced, studied, clock.now(), with_history=True)
    assert (summary.added, summary.reviews) == (0, 3)
    with synced.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "adam-beta2")).one()
        logs = session.scalars(select(ReviewLog).where(ReviewLog.card_id == card.id)).all()
        assert [log.rating for log in logs] == [3, 3, 4]
        assert card.state.reps == 3 and card.state.last_review == start + timedelta(days=6)


def test_unknown_deck_and_empty_deck(synced, clock, tmp_path):
    with pytest.raises(UserError, match="no deck 'nope' \\(decks: optim\\)"):
        export_deck(synced, "nope", tmp_path / "x.apkg", clock.now())
    assert not (tmp_path / "x.apkg").exists()


def _note_mods(path, tmp_path):
    with zipfile.ZipFile(path) as archive:
        archive.extract("collection.anki2", tmp_path)
    conn = sqlite3.connect(tmp_path / "collection.anki2")
    mods = dict(conn.execute("SELECT guid, mod FROM notes").fetchall())
    conn.close()
    return mods


def test_a_note_is_as_new_as_its_last_change_not_the_export(synced, clock, tmp_path):
    synced_at = clock.now()
    clock.advance(days=10)
    export_deck(synced, "optim", tmp_path / "a.apkg", clock.now())
    mods = _note_mods(tmp_path / "a.apkg", tmp_path / "a")
    assert set(mods.values()) == {int(synced_at.timestamp())}
    # a card edited here later: only its note is newer; a second export changes nothing else
    with synced.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "adam-beta2")).one()
        card.updated_at = clock.now()
    clock.advance(days=10)
    export_deck(synced, "optim", tmp_path / "b.apkg", clock.now())
    again = _note_mods(tmp_path / "b.apkg", tmp_path / "b")
    edited = genanki.guid_for("adam-beta2")
    assert again[edited] == int((clock.now() - timedelta(days=10)).timestamp())
    assert {g: m for g, m in again.items() if g != edited} == {g: m for g, m in mods.items() if g != edited}


def test_soft_wrapped_content_lines_are_joined(database, clock, make_content, tmp_path):
    from studyapp.content.loader import load_content
    from studyapp.content.sync import sync_content

    deck = ("---\nid: wrap\ntitle: Wrap\ntopic: wrap\norder: 1\n---\n\n## w1\nkind: basic\n\n"
            "Q: A question that the author\nwrapped at a fixed width?\n\n"
            "A: It continues here\nand here.\n\n- one\n- two\n")
    root = make_content({"decks/wrap.md": deck})
    with database.unit_of_work() as session:
        sync_content(session, load_content([root]), clock.now())
    export_deck(database, "wrap", tmp_path / "w.apkg", clock.now())
    notes, _, _ = read_collection(tmp_path / "w.apkg", tmp_path)
    front, back = notes[0][3].split("\x1f")
    assert front == "A question that the author wrapped at a fixed width?"
    assert back == "It continues here and here.<br><br>- one<br>- two"
