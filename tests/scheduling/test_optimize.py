"""Fitting parameters to a review history simulated from known, non-default parameters."""

from datetime import UTC, datetime

import pytest

from studyapp.clock import FixedClock
from studyapp.errors import UserError
from studyapp.scheduling.optimize import (
    NotEnoughReviews,
    history_items,
    optimize_preset,
    reschedule_preset,
    time_series_split,
)
from studyapp.scheduling.presets import DEFAULT_PARAMETERS, load_parameters
from studyapp.scheduling.service import ReviewService
from studyapp.scheduling.simulate import make_deck, simulate_history, write_history
from studyapp.storage.models import CardState
from tests.scheduling.conftest import set_preset

CLOCK = FixedClock(datetime(2025, 9, 1, 12, tzinfo=UTC))


@pytest.fixture(scope="module")
def histories():
    return simulate_history(800, 10, seed=3)


@pytest.fixture
def simulated(database, histories):
    with database.unit_of_work() as session:
        deck_id = make_deck(session, "sim")
        write_history(session, deck_id, histories)
    return database


def test_items_follow_anki_conventions():
    t = datetime(2025, 1, 1, 10, tzinfo=UTC)
    day = datetime(2025, 1, 2, 10, tzinfo=UTC)
    logs = [
        (1, t, 3, 0),
        (1, t.replace(hour=11), 3, 1),  # same day: part of the history, no item of its own
        (1, day, 3, 2),
        (1, day.replace(hour=2), 1, 2),  # 2am counts for the day before (day starts at 4)
        (2, t, 3, 2),  # never seen new: left out
    ]
    items = history_items(logs, hour=4, zone=UTC)
    assert [(i.card_id, i.at) for i in items] == [(1, day)]
    reviews = items[0].item.reviews
    assert [repr(r) for r in reviews] == [
        f"FSRSReview {{ rating: {rating}, delta_t: {delta_t} }}" for rating, delta_t in [(3, 0), (3, 0), (1, 0), (3, 1)]
    ]
    train, test = time_series_split(list(range(10)))
    assert train == list(range(8)) and test == [8, 9]


def test_fitted_parameters_predict_held_out_reviews_better(simulated):
    result = optimize_preset(simulated, CLOCK, "default", day_start_hour=4, zone=UTC)
    assert result.items >= 7000 and result.test_items >= 1400
    assert result.previous == DEFAULT_PARAMETERS
    assert result.after.log_loss < result.before.log_loss
    assert result.after.rmse_bins < result.before.rmse_bins
    assert result.improved and result.saved
    assert result.parameters != DEFAULT_PARAMETERS
    assert result.parameters[0] < DEFAULT_PARAMETERS[0]  # the learner really forgets faster at first
    with simulated.unit_of_work() as session:
        stored = load_parameters(session, "default")
    assert stored.parameters == result.parameters and stored.reviews == result.items
    assert stored.metrics["after"]["log_loss"] == result.after.log_loss
    # the service now schedules with them
    service = ReviewService(simulated, CLOCK, day_start_hour=4, zone=UTC)
    assert service.scheduler_for_deck("sim").parameters == result.parameters
    # fitting again: the parameters in use are already as good, nothing is saved
    again = optimize_preset(simulated, CLOCK, "default", day_start_hour=4, zone=UTC)
    assert again.previous == result.parameters
    assert "sim" in again.describe()


def test_presets_are_fitted_separately(simulated, database):
    set_preset(database, "sim", name="fast")
    with pytest.raises(UserError, match="no deck uses the preset 'default'"):
        optimize_preset(database, CLOCK, "default", day_start_hour=4, zone=UTC)
    result = optimize_preset(database, CLOCK, "fast", day_start_hour=4, zone=UTC)
    assert result.saved and result.decks == ["sim"]
    with database.unit_of_work() as session:
        assert load_parameters(session, "default") is None


def test_refuses_with_too_few_reviews(database, histories):
    with database.unit_of_work() as session:
        write_history(session, make_deck(session, "tiny"), histories[:20])
    with pytest.raises(NotEnoughReviews, match="at least 400"):
        optimize_preset(database, CLOCK, "default", day_start_hour=4, zone=UTC)


def test_reschedule_replays_history_with_the_new_parameters(simulated):
    with simulated.unit_of_work() as session:
        before = {s.card_id: (s.stability, s.due, s.reps) for s in session.query(CardState)}
    optimize_preset(simulated, CLOCK, "default", day_start_hour=4, zone=UTC)
    assert reschedule_preset(simulated, CLOCK, "default") == len(before)
    with simulated.unit_of_work() as session:
        after = {s.card_id: (s.stability, s.due, s.reps) for s in session.query(CardState)}
    assert {c: v[2] for c, v in after.items()} == {c: v[2] for c, v in before.items()}  # reps kept
    assert sum(after[c][0] != before[c][0] for c in before) > len(before) * 0.9
