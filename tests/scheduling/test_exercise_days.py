"""Exercises are scheduled in days (issue 13): never twice in one session; cards keep
their minute steps; the steps are set per deck preset. And the one suggested rating."""

from __future__ import annotations

from datetime import timedelta

import pytest

from studyapp.scheduling.exercises import AGAIN, EASY, GOOD, HARD, suggest_exercise_rating
from studyapp.scheduling.presets import Preset, load_preset
from tests.scheduling.conftest import set_preset


def queue_ids(service) -> list[int]:
    return [item.card_id for item in service.queue()]


def test_an_exercise_rated_again_waits_for_the_next_day(service, curriculum, clock, no_fuzz):
    exercise = curriculum["sgd-step"]
    result = service.review(exercise, AGAIN, source="grader")
    assert result.state == "learning"
    assert result.interval == timedelta(days=1)
    assert result.due >= service.today_end()
    for hours in (0, 1, 6, 10):  # until 02:30 the next morning, before the 04:00 day start
        clock.advance(hours=hours)
        assert exercise not in queue_ids(service)
    clock.advance(hours=7)  # the next day, past its due time
    assert exercise in queue_ids(service)


def test_a_card_rated_again_keeps_its_minute_steps(service, curriculum, no_fuzz):
    result = service.review(curriculum["sgd-1"], AGAIN)
    assert result.interval == timedelta(minutes=1)


def test_a_lapsed_exercise_relearns_in_days(service, curriculum, clock, no_fuzz):
    exercise = curriculum["sgd-step"]
    assert service.review(exercise, GOOD).state == "review"
    clock.advance(days=10)
    lapse = service.review(exercise, AGAIN)
    assert lapse.state == "relearning" and lapse.interval == timedelta(days=1)


def test_exercise_steps_are_set_per_preset(service, database, curriculum, no_fuzz):
    set_preset(database, "sgd", enable_fuzzing=False, exercise_learning_steps=("2d", "4d"))
    assert service.preview(curriculum["sgd-step"])[AGAIN] == timedelta(days=2)
    with database.unit_of_work() as session:
        saved = load_preset(session, "sgd")
    assert saved.to_dict()["exercise_learning_steps"] == ["2d", "4d"]
    assert Preset.from_dict(saved.to_dict()) == saved
    assert saved.exercise_relearning_steps == (timedelta(days=1),)


def test_exercise_steps_shorter_than_a_day_are_refused():
    with pytest.raises(ValueError, match="whole days"):
        Preset(exercise_learning_steps=("10m",))


def suggest(runs, hints=0, revealed=False, seconds=100.0, target=600):
    return suggest_exercise_rating(runs=runs, hints_used=hints, revealed=revealed, seconds=seconds,
                                   target_seconds=target)


@pytest.mark.parametrize(
    ("runs", "hints", "revealed", "seconds", "rating", "words"),
    [
        ([True], 0, False, 100.0, EASY, "first run"),
        ([True], 0, False, 700.0, GOOD, "over the 600s target"),
        ([False, True], 0, False, 100.0, HARD, "1 failed run"),
        ([False, False, True], 1, False, 100.0, HARD, "2 failed runs and 1 hint"),
        ([True, False, True], 0, False, 100.0, HARD, "1 failed run"),  # every run counts
        ([True], 2, False, 100.0, HARD, "2 hints"),
        ([False], 0, False, None, AGAIN, "did not pass"),
        ([True, False], 0, False, 100.0, AGAIN, "did not pass"),  # the submitted code fails
        ([True], 0, True, 100.0, AGAIN, "revealed"),
        ([], 0, False, None, AGAIN, "not run"),
    ],
)
def test_the_suggestion_and_why(runs, hints, revealed, seconds, rating, words):
    suggestion = suggest(runs, hints, revealed, seconds)
    assert suggestion.rating == rating
    assert words in suggestion.reason


def test_never_first_time_after_a_failed_run():
    for runs in ([False, True], [False, False, True], [True, False, True]):
        reason = suggest(runs, seconds=1.0).reason
        assert "first" not in reason


def test_rescheduling_a_preset_keeps_exercise_steps_in_days(service, database, curriculum, clock, no_fuzz):
    from studyapp.scheduling.optimize import reschedule_preset
    from tests.scheduling.conftest import card_state

    exercise, card = curriculum["sgd-step"], curriculum["sgd-1"]
    service.review(exercise, AGAIN)
    service.review(card, AGAIN)
    before = card_state(database, exercise), card_state(database, card)
    assert reschedule_preset(database, clock, "default") >= 2
    assert (card_state(database, exercise), card_state(database, card)) == before
