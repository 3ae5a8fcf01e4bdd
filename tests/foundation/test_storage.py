from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from studyapp.storage.db import open_database
from studyapp.storage.models import Card, CardState, Deck, ReviewLog, Setting
from studyapp.storage.settings import (
    get_setting,
    get_setting_object,
    get_setting_strings,
    set_setting,
)
from studyapp.storage.sqldialect import parse_json, parse_json_object


def _deck(now):
    return Deck(slug="d", title="D", created_at=now, updated_at=now)


def _card(deck, now, content_id="c1"):
    return Card(deck=deck, content_id=content_id, note_id=content_id, kind="basic", front="Q",
                back="A", created_at=now, updated_at=now, state=CardState())


def test_times_are_stored_in_utc_and_come_back_aware(database, clock):
    paris = timezone(timedelta(hours=1))
    local = datetime(2026, 3, 2, 10, 30, tzinfo=paris)
    with database.unit_of_work() as s:
        s.add(_deck(local))
    with database.unit_of_work() as s:
        deck = s.scalars(select(Deck)).one()
        assert deck.created_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
        assert deck.created_at.tzinfo == UTC
        raw = s.execute(text("select created_at from decks")).scalar_one()
        assert raw.startswith("2026-03-02 09:30:00")


def test_naive_datetimes_are_refused(database):
    with pytest.raises(Exception, match="naive datetime"), database.unit_of_work() as s:
        s.add(_deck(datetime(2026, 1, 1)))


def test_unit_of_work_rolls_back_everything_on_error(database, clock):
    with pytest.raises(RuntimeError), database.unit_of_work() as s:
        s.add(_deck(clock.now()))
        s.flush()
        raise RuntimeError("boom")
    with database.unit_of_work() as s:
        assert s.scalars(select(Deck)).all() == []


def test_foreign_keys_are_enforced(database, clock):
    with pytest.raises(IntegrityError), database.unit_of_work() as s:
        s.add(ReviewLog(card_id=999, rating=3, reviewed_at=clock.now(), prev_state=0, state=1))


def test_card_state_and_logs_cascade_with_their_card(database, clock):
    now = clock.now()
    with database.unit_of_work() as s:
        card = _card(_deck(now), now)
        s.add(card)
        s.flush()
        s.add(ReviewLog(card_id=card.id, rating=3, reviewed_at=now, prev_state=0, state=1))
    with database.unit_of_work() as s:
        s.delete(s.scalars(select(Card)).one())
    with database.unit_of_work() as s:
        assert s.scalars(select(CardState)).all() == []
        assert s.scalars(select(ReviewLog)).all() == []


def test_file_database_uses_wal_foreign_keys_and_busy_timeout(file_db_url):
    db = open_database(file_db_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    db.dispose()


def test_settings_hold_json_values(database):
    with database.unit_of_work() as s:
        set_setting(s, "limits", {"new": 20, "steps": [1, 10]})
    with database.unit_of_work() as s:
        assert get_setting(s, "limits") == {"new": 20, "steps": [1, 10]}
        set_setting(s, "limits", 5)
    with database.unit_of_work() as s:
        assert get_setting(s, "limits") == 5
        assert get_setting(s, "missing", "dflt") == "dflt"
        assert s.scalars(select(Setting)).one().key == "limits"



def test_typed_setting_readers_narrow_the_stored_json(database):
    with database.unit_of_work() as s:
        set_setting(s, "folders", ["/a", "/b"])
        set_setting(s, "table", {"day": "x"})
        set_setting(s, "text", "/a")
    with database.unit_of_work() as s:
        assert get_setting_strings(s, "folders") == ["/a", "/b"]
        assert get_setting_strings(s, "missing") == []
        with pytest.raises(TypeError):
            get_setting_strings(s, "text")  # not iterated as characters
        assert get_setting_object(s, "table") == {"day": "x"}
        assert get_setting_object(s, "folders") == {} == get_setting_object(s, "missing")


def test_json_columns_parse_as_they_come_from_either_driver():
    assert parse_json('{"a": [1]}') == {"a": [1]} == parse_json({"a": [1]})  # sqlite3, psycopg
    assert parse_json(None) is None and parse_json("") is None
    assert parse_json_object(None) == {} == parse_json_object("{}")
    assert parse_json_object('{"requires": "d"}') == {"requires": "d"}
    with pytest.raises(TypeError):
        parse_json_object("[1, 2]")

def test_no_engine_is_created_at_import_time():
    import subprocess
    import sys

    code = (
        "import gc, sqlalchemy.engine as e\n"
        "import studyapp.storage, studyapp.storage.models, studyapp.content.service, studyapp.cli.main\n"
        "print(sum(isinstance(o, e.Engine) for o in gc.get_objects()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
