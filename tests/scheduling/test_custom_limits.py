"""Custom study's raised new limits, kept in one setting for the day they were made."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from studyapp.errors import UserError
from studyapp.scheduling.custom import EXTRA_NEW_KEY, extra_new_today, raise_new_limit
from studyapp.storage.settings import get_setting, set_setting

TODAY = datetime(2026, 3, 2, 4, tzinfo=UTC)
DECKS = {1: SimpleNamespace(slug="a"), 2: SimpleNamespace(slug="b")}


def test_raises_add_up_within_a_day_and_are_gone_the_next(database):
    with database.unit_of_work() as session:
        assert raise_new_limit(session, TODAY, "a", 5) == 5
        assert raise_new_limit(session, TODAY, "a", 3) == 8
        assert raise_new_limit(session, TODAY, "b", 1) == 1
    with database.unit_of_work() as session:
        assert get_setting(session, EXTRA_NEW_KEY) == {"day": TODAY.isoformat(),
                                                       "decks": {"a": 8, "b": 1}}
        assert extra_new_today(session, TODAY, DECKS) == {1: 8, 2: 1}
        tomorrow = TODAY + timedelta(days=1)
        assert extra_new_today(session, tomorrow, DECKS) == {}
        assert raise_new_limit(session, tomorrow, "a", 2) == 2


def test_a_raise_out_of_range_or_a_corrupt_setting(database):
    with database.unit_of_work() as session:
        with pytest.raises(UserError):
            raise_new_limit(session, TODAY, "a", 0)
        set_setting(session, EXTRA_NEW_KEY, ["not", "a", "table"])
        assert extra_new_today(session, TODAY, DECKS) == {}  # counts as no raise
        set_setting(session, EXTRA_NEW_KEY, {"day": TODAY.isoformat(), "decks": {"a": "4"}})
        assert extra_new_today(session, TODAY, DECKS) == {1: 4}
