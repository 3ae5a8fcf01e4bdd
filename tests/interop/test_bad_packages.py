"""Bad Anki packages: one clear line naming the file, and the database exactly as before."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest

from studyapp.errors import UserError
from studyapp.interop.anki_import import import_anki

from .anki_builder import BASIC_ID, Collection
from .conftest import dump


def _not_a_zip(tmp_path):
    path = tmp_path / "deck.apkg"
    path.write_text("this is not a package")
    return path


def _no_collection(tmp_path):
    path = tmp_path / "deck.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("media", "{}")
        archive.writestr("0", b"\x89PNG")
    return path


def _corrupt_sqlite(tmp_path):
    path = tmp_path / "deck.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\x00" + b"\x13" * 3000)
    return path


def _sqlite_without_tables(tmp_path):
    db = tmp_path / "other.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    path = tmp_path / "deck.apkg"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(db, "collection.anki2")
    return path


def _unknown_note_type(tmp_path):
    collection = Collection()
    collection.note(1, "ok", BASIC_ID, ["fine", "card"])
    collection.note(2, "bad", 99999, ["a", "b"])
    return collection.package(tmp_path / "deck.apkg")


def _strange_note_kind(tmp_path):
    model = {"id": 5, "name": "Image Occlusion Enhanced+", "type": 7, "flds": [{"name": "A"}],
             "tmpls": [{"qfmt": "{{A}}", "afmt": "{{A}}"}]}
    collection = Collection(models=[model])
    collection.note(1, "x", 5, ["a"])
    return collection.package(tmp_path / "deck.apkg")


def _bad_models_json(tmp_path):
    collection = Collection()
    collection.note(1, "x", BASIC_ID, ["a", "b"])
    path = collection.package(tmp_path / "deck.apkg")
    db = tmp_path / "c.sqlite"
    collection.write(db)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE col SET models = '{not json'")
    conn.commit()
    conn.close()
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(db, "collection.anki2")
    return path


def _truncated_zip(tmp_path):
    collection = Collection()
    for i in range(50):
        collection.note(i + 1, f"g{i}", BASIC_ID, [f"front {i}" * 20, f"back {i}" * 20])
    path = collection.package(tmp_path / "deck.apkg")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


CASES = {
    "not a zip": (_not_a_zip, "not an Anki package (it is not a zip file)"),
    "zip without collection": (_no_collection, "the zip holds no collection (collection.anki21 or collection.anki2)"),
    "corrupt sqlite": (_corrupt_sqlite, "not a SQLite collection"),
    "sqlite, not anki": (_sqlite_without_tables, "not an Anki collection (no col, notes, cards table)"),
    "unknown note type": (_unknown_note_type, "note 2 uses an unknown note type (id 99999"),
    "strange note kind": (_strange_note_kind, "unknown note type 'Image Occlusion Enhanced+' (kind 7)"),
    "bad models json": (_bad_models_json, "the collection's models are not valid JSON"),
    "truncated zip": (_truncated_zip, "not an Anki package"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_package_is_one_line_and_changes_nothing(synced, clock, tmp_path, case):
    make, message = CASES[case]
    path = make(tmp_path)
    before = dump(synced)
    with pytest.raises(UserError) as caught:
        import_anki(synced, path, clock.now(), with_history=True)
    text = str(caught.value)
    assert text.startswith(str(path)) and message in text and "\n" not in text
    assert dump(synced) == before


def test_missing_file(database, clock, tmp_path):
    with pytest.raises(UserError, match="nope.apkg: no such file"):
        import_anki(database, tmp_path / "nope.apkg", clock.now())


def test_an_unknown_type_anywhere_rejects_the_whole_package(database, clock, tmp_path):
    path = _unknown_note_type(tmp_path)
    with pytest.raises(UserError):
        import_anki(database, path, clock.now())
    assert json.loads(dump(database))["cards"] == []
