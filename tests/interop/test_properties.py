"""Property tests: whatever bytes the importers get, the answer is a clean import or one
UserError line, never a traceback, and a failed import leaves the database as it was."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.errors import UserError
from studyapp.interop.anki_import import import_anki
from studyapp.interop.csv_import import import_csv
from studyapp.interop.htmltext import html_to_text, text_to_html
from studyapp.interop.json_backup import make_backup, render, restore_backup
from studyapp.storage.db import open_database

from .anki_builder import BASIC_ID, REVERSED_ID, Collection, genanki_package
from .conftest import dump

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(database, action):
    """Run an import: success, or a one-line UserError with the database unchanged."""
    before = dump(database)
    try:
        action()
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
        assert dump(database) == before


def mutate(data: bytes, draw) -> bytes:
    buffer = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        action = draw(st.sampled_from(["flip", "zero", "cut", "splice"]))
        at = draw(st.integers(0, max(0, len(buffer) - 1)))
        if not buffer:
            break
        if action == "flip":
            buffer[at] ^= draw(st.integers(1, 255))
        elif action == "zero":
            buffer[at:at + draw(st.integers(1, 64))] = b"\x00" * min(64, len(buffer) - at)
        elif action == "cut":
            del buffer[at:at + draw(st.integers(1, 512))]
        else:
            buffer[at:at] = draw(st.binary(min_size=1, max_size=32))
    return bytes(buffer)


@pytest.fixture(scope="module")
def package_bytes(tmp_path_factory) -> bytes:
    return genanki_package(tmp_path_factory.mktemp("pkg") / "deep.apkg").read_bytes()


@pytest.fixture(scope="module")
def collection_bytes(tmp_path_factory) -> bytes:
    collection = Collection()
    (cid,) = collection.note(1, "a", BASIC_ID, ["<b>front</b>", "back<br>two"], tags="t1 t2")
    collection.note(2, "b", REVERSED_ID, ["x", "y"], ords=(0, 1))
    for i in range(6):
        collection.review(cid, 1_700_000_000_000 + i * 86_400_000, 1 + i % 4, kind=i % 3)
    return collection.write(tmp_path_factory.mktemp("col") / "c.sqlite").read_bytes()


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_as_a_package(synced, clock, tmp_path, data):
    path = tmp_path / "r.apkg"
    path.write_bytes(data)
    check(synced, lambda: import_anki(synced, path, clock.now(), with_history=True))


@FUZZ
@given(st.data())
def test_mutated_package_files(synced, clock, tmp_path, package_bytes, data):
    path = tmp_path / "m.apkg"
    path.write_bytes(mutate(package_bytes, data.draw))
    check(synced, lambda: import_anki(synced, path, clock.now(), with_history=True))


@FUZZ
@given(st.data())
def test_mutated_collections_inside_a_good_zip(synced, clock, tmp_path, collection_bytes, data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", mutate(collection_bytes, data.draw))
    path = tmp_path / "c.apkg"
    path.write_bytes(buffer.getvalue())
    check(synced, lambda: import_anki(synced, path, clock.now(), with_history=True))


@FUZZ
@given(data=st.binary(max_size=512), suffix=st.sampled_from([".csv", ".tsv"]))
def test_random_bytes_as_csv(synced, clock, tmp_path, data, suffix):
    path = tmp_path / f"r{suffix}"
    path.write_bytes(data)
    check(synced, lambda: import_csv(synced, path, clock.now(), deck_name="Fuzz"))


@FUZZ
@given(data=st.binary(max_size=1024))
def test_random_bytes_as_a_backup(tmp_path, data):
    path = tmp_path / "r.json"
    path.write_bytes(data)
    fresh = open_database("sqlite://")
    try:
        with pytest.raises(UserError):
            restore_backup(fresh, path)
        assert all(rows == [] for rows in json.loads(dump(fresh)).values())
    finally:
        fresh.dispose()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@pytest.fixture
def backup_document(synced, clock):
    return make_backup(synced, clock.now())


@FUZZ
@given(st.data())
def test_mutated_backups(tmp_path, backup_document, data):
    document = json.loads(json.dumps(backup_document))
    tables = document["tables"]
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(sorted(tables)))
        rows = tables[name]
        if not rows:
            continue
        row = rows[data.draw(st.integers(0, len(rows) - 1))]
        column = data.draw(st.sampled_from(sorted(row)))
        if data.draw(st.booleans()):
            row[column] = data.draw(JSON_VALUES)
        else:
            del row[column]
    path = tmp_path / "m.json"
    path.write_text(render(document), encoding="utf-8")
    fresh = open_database("sqlite://")
    try:
        try:
            restore_backup(fresh, path)
        except UserError as exc:
            assert "\n" not in str(exc)
            assert all(rows == [] for rows in json.loads(dump(fresh)).values())
    finally:
        fresh.dispose()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_html_to_text_never_fails(markup):
    assert isinstance(html_to_text(markup), str)


WORD = st.text(alphabet="abcxyz<>&'\"01(),.=+-*_", min_size=1, max_size=6).filter(
    lambda w: "**" not in w and w.strip("*") == w
)
LINE = st.lists(
    st.one_of(WORD, WORD.map(lambda w: f"**{w}**"), WORD.map(lambda w: f"`{w}`")), min_size=1, max_size=5
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, min_size=1, max_size=4))
def test_exported_text_comes_back_unchanged(lines):
    text = "\n".join(lines)
    assert html_to_text(text_to_html(text)) == text
