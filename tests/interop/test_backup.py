"""Backup to one JSON document and restore into an empty database, ids and all."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from studyapp.errors import UserError
from studyapp.interop.anki_import import import_anki
from studyapp.interop.json_backup import FORMAT, FORMAT_VERSION, restore_backup, write_backup
from studyapp.storage.db import open_database
from studyapp.storage.models import Card, Submission
from studyapp.storage.settings import set_setting

from .anki_builder import BASIC_ID, Collection
from .conftest import dump


@pytest.fixture
def rich(synced, clock, tmp_path):
    """Content, an Anki import with history, a submission and settings."""
    collection = Collection()
    (cid,) = collection.note(1, "g", BASIC_ID, ["front é", "back"])
    start = clock.now() - timedelta(days=10)
    for i, ease in enumerate((1, 3, 3)):
        collection.review(cid, int((start + timedelta(days=i, microseconds=123)).timestamp() * 1000), ease)
    import_anki(synced, collection.package(tmp_path / "h.apkg"), clock.now(), with_history=True)
    with synced.unit_of_work() as session:
        exercise = session.scalars(select(Card).where(Card.kind == "exercise")).one()
        session.add(Submission(card_id=exercise.id, exercise_id="sgd-step", code="def f(x):\n    return x\n",
                               status="passed", verdict={"checks": [1, 2.5, None]}, device="cpu",
                               duration_ms=12, created_at=clock.now()))
        session.add(Submission(card_id=None, exercise_id="gone", code="", status="error",
                               verdict={}, created_at=clock.now()))
        set_setting(session, "ui.theme", {"name": "dark", "sizes": [1, 2]})
        set_setting(session, "nothing", None)
    return synced


def test_backup_restore_backup_is_identical(rich, clock, tmp_path):
    counts = write_backup(rich, tmp_path / "one.json", clock.now())
    assert counts["cards"] == 9 and counts["review_logs"] == 3 and counts["submissions"] == 2
    document = json.loads((tmp_path / "one.json").read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == (FORMAT, FORMAT_VERSION)
    assert set(document["tables"]) >= {"decks", "cards", "card_states", "review_logs", "submissions", "settings"}
    assert document["tables"]["review_logs"][0]["reviewed_at"].endswith("+00:00")
    fresh = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        restore_backup(fresh, tmp_path / "one.json")
        write_backup(fresh, tmp_path / "two.json", clock.now())
        assert (tmp_path / "one.json").read_text() == (tmp_path / "two.json").read_text()
        assert dump(fresh) == dump(rich)
    finally:
        fresh.dispose()


def test_restore_refuses_a_database_with_data(rich, clock, tmp_path):
    write_backup(rich, tmp_path / "b.json", clock.now())
    before = dump(rich)
    with pytest.raises(UserError, match="the database is not empty .*restore needs a new, empty database"):
        restore_backup(rich, tmp_path / "b.json")
    assert dump(rich) == before


def _document(rich, clock, tmp_path):
    write_backup(rich, tmp_path / "good.json", clock.now())
    return json.loads((tmp_path / "good.json").read_text())


def _broken(document, change):
    copy = json.loads(json.dumps(document))
    change(copy)
    return json.dumps(copy, indent=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "backup format version 2 is not supported"),
        (lambda d: d.pop("format"), "not a studyapp backup"),
        (lambda d: d.update(tables=[]), "no \"tables\" object"),
        (lambda d: d["tables"].update(extra=[]), "tables this studyapp does not know \\(extra\\)"),
        (lambda d: d["tables"]["cards"][0].update(front=7), "cards row 1: front is not text"),
        (lambda d: d["tables"]["cards"][0].pop("deck_id"), "cards row 1: deck_id is missing"),
        (lambda d: d["tables"]["cards"][0].update(colour="red"), "unknown columns \\(colour\\)"),
        (lambda d: d["tables"]["review_logs"][0].update(reviewed_at="yesterday"), "not an ISO date-time"),
        (lambda d: d["tables"]["review_logs"][0].update(reviewed_at="2026-01-01T00:00:00"), "has no time zone"),
        (lambda d: d["tables"]["cards"][0].update(deck_id=999), "does not fit together \\(FOREIGN KEY"),
        (lambda d: d["tables"]["decks"].append(dict(d["tables"]["decks"][0])), "does not fit together \\(UNIQUE"),
    ],
)
def test_bad_backups_change_nothing(rich, clock, tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(_broken(_document(rich, clock, tmp_path), change), encoding="utf-8")
    fresh = open_database("sqlite://")
    try:
        empty = dump(fresh)
        with pytest.raises(UserError, match=message) as caught:
            restore_backup(fresh, path)
        assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
        assert dump(fresh) == empty
    finally:
        fresh.dispose()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r":1: not a studyapp backup \(invalid JSON"),
        (b'{"format": "studyapp-backup",\n "version": 1,\n "tables": {]', r":3: not a studyapp backup \(invalid JSON"),
        (b"\xff\xfe{\x00}\x00", r":1: not a studyapp backup \(not UTF-8"),
        (b"[1, 2]", r"not a studyapp backup"),
    ],
)
def test_files_that_are_not_backups(tmp_path, data, message):
    path = tmp_path / "x.json"
    path.write_bytes(data)
    fresh = open_database("sqlite://")
    try:
        with pytest.raises(UserError, match=message):
            restore_backup(fresh, path)
        with pytest.raises(UserError, match="no such file"):
            restore_backup(fresh, tmp_path / "missing.json")
    finally:
        fresh.dispose()


def test_cards_name_their_media_and_a_missing_file_is_reported(tmp_path):
    from studyapp.interop.media import media_names, open_with_system_viewer, safe_name

    text = "What is this? [image: relu.png]\n\nReLU [sound: hello.mp3] [image: relu.png]"
    assert media_names(text) == ["relu.png", "hello.mp3"]
    assert "no such media file" in open_with_system_viewer(tmp_path / "gone.png")
    assert [safe_name(n) for n in ("a/b.png", "../x.png", ".hidden", "ok.mp3")] == ["b.png", "x.png", None, "ok.mp3"]
