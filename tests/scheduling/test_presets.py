from datetime import timedelta

import pytest

from studyapp.errors import UserError
from studyapp.scheduling.presets import (
    DEFAULT_PARAMETERS,
    FittedParameters,
    Preset,
    load_parameters,
    load_preset,
    load_presets,
    parse_step,
    save_parameters,
    save_preset,
)
from studyapp.storage.settings import set_setting


def test_defaults_match_issue_4():
    p = Preset()
    assert p.desired_retention == 0.9 and p.enable_fuzzing and p.leech_threshold == 8
    assert p.learning_steps == (timedelta(minutes=1), timedelta(minutes=10))
    assert p.relearning_steps == (timedelta(minutes=10),)
    assert p.name == "default"


def test_steps_parse_from_text_and_seconds():
    assert parse_step("1m") == timedelta(minutes=1)
    assert parse_step("10") == timedelta(minutes=10)
    assert parse_step("1h") == timedelta(hours=1)
    assert parse_step("1d") == timedelta(days=1)
    assert parse_step("30s") == timedelta(seconds=30)
    assert parse_step(90) == timedelta(seconds=90)
    for bad in ("", "1 week", "-1m", 0, True):
        with pytest.raises(ValueError):
            parse_step(bad)


def test_round_trip_through_settings(database):
    preset = Preset(desired_retention=0.85, learning_steps=("30s", "5m", "1d"), new_per_day=7,
                    leech_threshold=4, leech_suspend=True, name="hard-stuff")
    with database.unit_of_work() as session:
        save_preset(session, "optimizers", preset)
    with database.unit_of_work() as session:
        loaded = load_preset(session, "optimizers")
        assert loaded == preset
        assert loaded.learning_steps[-1] == timedelta(days=1)
        assert load_preset(session, "other") == Preset()
        assert load_presets(session, ["other"]) == {"optimizers": preset, "other": Preset()}
        assert load_parameters(session, "hard-stuff") is None


def test_invalid_values_are_refused(database):
    with pytest.raises(ValueError):
        Preset(desired_retention=1.5)
    with pytest.raises(ValueError):
        Preset(name="has space")
    with database.unit_of_work() as session:
        set_setting(session, "preset:broken", {"desired_retention": "lots"})
    with database.unit_of_work() as session, pytest.raises(UserError, match="preset:broken"):
        load_preset(session, "broken")


def test_parameters_are_stored_per_preset_and_clamped(database):
    params = list(DEFAULT_PARAMETERS)
    params[20] = 5.0  # out of py-fsrs's bounds
    with database.unit_of_work() as session:
        save_parameters(session, "default", FittedParameters(tuple(params), reviews=500))
    with database.unit_of_work() as session:
        fitted = load_parameters(session, "default")
    assert fitted.reviews == 500 and fitted.parameters[20] == 0.8
    assert fitted.parameters[:20] == tuple(DEFAULT_PARAMETERS[:20])


def test_preset_scheduler_leaves_fuzz_to_studyapp():
    scheduler = Preset(maximum_interval=100).scheduler()
    assert scheduler.enable_fuzzing is False and scheduler.maximum_interval == 100


def test_with_changes_parses_the_forms_text_and_keeps_unknown_keys():
    saved = Preset.from_dict({"new_per_day": 5, "future_option": [1, 2]})
    changed = saved.with_changes(learning_steps=("2m", "1h"), reviews_per_day=50)
    assert changed.learning_steps == (timedelta(minutes=2), timedelta(hours=1))
    assert (changed.new_per_day, changed.reviews_per_day) == (5, 50)
    assert changed.to_dict()["extra"] == {"future_option": [1, 2]}
    with pytest.raises(TypeError):
        saved.with_changes(no_such_field=1)
    with pytest.raises(ValueError):
        saved.with_changes(desired_retention=2.0)


@pytest.mark.parametrize("stored", [["not", "a", "table"], "text", {"extra": 3},
                                    {"learning_steps": 5}])
def test_a_preset_setting_of_the_wrong_shape_is_a_user_error(database, stored):
    with database.unit_of_work() as session:
        set_setting(session, "preset:odd", stored)
    with database.unit_of_work() as session, pytest.raises(UserError, match="preset:odd"):
        load_preset(session, "odd")


@pytest.mark.parametrize("stored", ["text", {"parameters": "abc"}, {"parameters": [1.0]},
                                    {"parameters": list(DEFAULT_PARAMETERS), "metrics": 3}])
def test_parameters_of_the_wrong_shape_are_a_user_error(database, stored):
    with database.unit_of_work() as session:
        set_setting(session, "fsrs:params:odd", stored)
    with database.unit_of_work() as session, pytest.raises(UserError, match="fsrs:params:odd"):
        load_parameters(session, "odd")


def test_with_changes_can_replace_the_unknown_keys_too():
    saved = Preset.from_dict({"future_option": 1})
    assert saved.with_changes(extra={"other": 2}).extra == {"other": 2}
    assert saved.with_changes(new_per_day=3).extra == {"future_option": 1}
