"""Rating cards: py-fsrs transitions, previews, one-transaction writes, undo, leeches, streaks."""

from datetime import UTC, datetime, timedelta

import fsrs
import pytest
from sqlalchemy import select

from studyapp.errors import UserError
from studyapp.scheduling.presets import DEFAULT_PARAMETERS
from studyapp.scheduling.service import ReviewService, fuzzed_interval_days
from studyapp.storage.models import Card, ReviewLog
from tests.scheduling.conftest import card_state, log_count, set_preset

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4


def test_review_matches_py_fsrs_and_keeps_reps_and_lapses(service, curriculum, clock, database, no_fuzz):
    card_id = curriculum["sgd-1"]
    reference = fsrs.Scheduler(parameters=DEFAULT_PARAMETERS, enable_fuzzing=False)
    ref_card = fsrs.Card(card_id=card_id)
    steps = [(GOOD, timedelta(0)), (GOOD, timedelta(minutes=10)), (GOOD, timedelta(days=3)),
             (AGAIN, timedelta(days=9)), (HARD, timedelta(minutes=10)), (EASY, timedelta(days=5))]
    for rating, wait in steps:
        clock.advance(wait)
        expected_r = reference.get_card_retrievability(ref_card, clock.now()) if ref_card.last_review else None
        ref_card, _ = reference.review_card(ref_card, fsrs.Rating(rating), clock.now())
        result = service.review(card_id, rating, duration_ms=1234)
        assert result.due == ref_card.due
        assert result.stability == pytest.approx(ref_card.stability)
        assert result.difficulty == pytest.approx(ref_card.difficulty)
        assert result.state == ref_card.state.name.lower()
        assert result.retrievability == (pytest.approx(expected_r) if expected_r is not None else None)
    state = card_state(database, card_id)
    assert state[6:] == (6, 1)  # reps, lapses: one Again on a Review card
    with database.unit_of_work() as session:
        logs = session.scalars(select(ReviewLog).order_by(ReviewLog.id)).all()
        assert [log.rating for log in logs] == [r for r, _ in steps]
        assert [log.prev_state for log in logs] == [0, 1, 2, 2, 3, 3]
        assert logs[-1].duration_ms == 1234 and logs[-1].source == "manual"
        assert logs[0].retrievability is None and 0 < logs[3].retrievability < 1


def test_rating_and_source_are_validated(service, curriculum):
    with pytest.raises(UserError):
        service.review(curriculum["sgd-1"], 5)
    with pytest.raises(UserError):
        service.review(curriculum["sgd-1"], 3, source="robot")
    with pytest.raises(UserError):
        service.preview(10**6)
    assert log_count(service.database) == 0


def _walk(service, clock, card_id):
    """Bring a card through several states, yielding after each review."""
    for rating, wait in [(None, timedelta(0)), (AGAIN, timedelta(0)), (GOOD, timedelta(minutes=1)),
                         (GOOD, timedelta(minutes=10)), (GOOD, timedelta(days=2)), (HARD, timedelta(days=6)),
                         (AGAIN, timedelta(days=30)), (EASY, timedelta(minutes=10)), (GOOD, timedelta(days=40))]:
        clock.advance(wait)
        yield
        if rating:
            service.review(card_id, rating)


@pytest.mark.parametrize("fuzz", [False, True])
def test_preview_is_exactly_what_each_rating_gives(database, clock, curriculum, fuzz):
    set_preset(database, "sgd", enable_fuzzing=fuzz)
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    card_id = curriculum["sgd-1"]
    for _ in _walk(service, clock, card_id):
        before = card_state(database, card_id)
        preview = service.preview(card_id)
        assert sorted(preview) == [1, 2, 3, 4]
        assert preview[1] <= preview[2] <= preview[3] <= preview[4]
        for rating in (1, 2, 3, 4):
            assert service.review(card_id, rating).interval == preview[rating]
            service.undo()
            assert card_state(database, card_id) == before


def test_fuzz_spreads_intervals_within_py_fsrs_ranges():
    drawn = {fuzzed_interval_days(30, 36500, f"{card}:0") for card in range(200)}
    assert 1 < len(drawn) and min(drawn) >= 27 and max(drawn) <= 33
    assert fuzzed_interval_days(2, 36500, "x") == 2  # short intervals are not fuzzed
    assert fuzzed_interval_days(100, 90, "x") <= 90


def test_undo_several_levels_restores_exact_state(service, curriculum, clock, database):
    plan = [("sgd-1", GOOD), ("sgd-2", EASY), ("sgd-1", AGAIN), ("big-1", HARD), ("sgd-1", GOOD), ("sgd-2", AGAIN)]
    snapshots = []
    for content_id, rating in plan:
        card_id = curriculum[content_id]
        snapshots.append((card_id, card_state(database, card_id), service.counts()))
        service.review(card_id, rating)
        clock.advance(minutes=2)
    assert log_count(database) == 6 and service.reviews_today() == 6
    for (card_id, before, counts_before), (_, rating) in zip(reversed(snapshots), reversed(plan), strict=True):
        undone = service.undo()
        assert (undone.card_id, undone.rating) == (card_id, rating)
        assert card_state(database, card_id) == before
        assert service.counts() == counts_before  # the day's counts are back too (limits, siblings)
    assert log_count(database) == 0 and service.reviews_today() == 0
    assert service.undo() is None


def test_undo_stops_at_the_start_of_the_day(service, curriculum, clock):
    service.review(curriculum["sgd-1"], EASY)
    clock.set(datetime(2026, 3, 3, 4, 0, tzinfo=UTC))
    assert service.undo() is None
    service.review(curriculum["sgd-2"], EASY)
    assert service.undo().card_id == curriculum["sgd-2"]
    assert service.undo() is None


def _lapse(service, clock, card_id):
    """From Review: wait until due and forget it (-> Relearning). Returns the lapse's result."""
    clock.set(_due(service, card_id))
    return service.review(card_id, AGAIN)


def _relearn(service, clock, card_id):
    clock.advance(minutes=10)
    assert service.review(card_id, GOOD).state == "review"


def _due(service, card_id):
    return card_state(service.database, card_id)[4]


def _tags_and_suspended(database, card_id):
    with database.unit_of_work() as session:
        card = session.get(Card, card_id)
        return card.tag_list, card.suspended


@pytest.mark.parametrize("undo_by", ["this session", "another session"])
@pytest.mark.parametrize("suspend", [False, True])
def test_leech_after_threshold_lapses(database, clock, curriculum, suspend, undo_by):
    set_preset(database, "sgd", leech_threshold=3, leech_suspend=suspend, enable_fuzzing=False)
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    card_id = curriculum["sgd-1"]
    service.review(card_id, EASY)
    results = []
    for _ in range(3):
        if results:
            _relearn(service, clock, card_id)
        results.append(_lapse(service, clock, card_id))
    assert [r.leech for r in results] == [False, False, True]
    tags, suspended = _tags_and_suspended(database, card_id)
    assert "leech" in tags and suspended is suspend and results[-1].suspended is suspend
    assert card_state(database, card_id)[7] == 3
    queue = [i.card_id for i in service.queue()]
    assert (card_id in queue) is (not suspend)  # in relearning, shown unless suspended
    # undo takes the mark back, also from another session that did not make the review
    undoer = service if undo_by == "this session" else ReviewService(database, clock, day_start_hour=4, zone=UTC)
    assert undoer.undo().card_id == card_id
    assert _tags_and_suspended(database, card_id) == ([], False)
    assert card_state(database, card_id)[7] == 2


def test_leech_marks_again_every_half_threshold(database, clock, curriculum):
    set_preset(database, "sgd", leech_threshold=4, enable_fuzzing=False)
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    card_id = curriculum["sgd-1"]
    service.review(card_id, EASY)
    flags = []
    for _ in range(8):
        flags.append(_lapse(service, clock, card_id).leech)
        _relearn(service, clock, card_id)
    assert flags == [False, False, False, True, False, True, False, True]
    assert _tags_and_suspended(database, card_id) == (["leech"], False)  # tagged once


def test_reviews_today_and_streak(service, curriculum, clock):
    assert service.streak() == 0
    days = [2, 3, 4, 6, 7]  # March; the 5th is skipped
    for day in days:
        clock.set(datetime(2026, 3, day, 10, tzinfo=UTC))
        service.review(curriculum[f"big-{day}"], GOOD)
        service.review(curriculum[f"big-{day + 10}"], GOOD)
    assert service.reviews_today() == 2 and service.streak() == 2
    clock.set(datetime(2026, 3, 8, 3, 0, tzinfo=UTC))  # before 4:00: still the 7th
    assert service.reviews_today() == 2 and service.streak() == 2
    clock.set(datetime(2026, 3, 8, 12, 0, tzinfo=UTC))  # the 8th, nothing yet: streak holds
    assert service.reviews_today() == 0 and service.streak() == 2
    service.review(curriculum["big-30"], GOOD)
    assert service.streak() == 3
    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))  # missed the 9th
    assert service.streak() == 0
