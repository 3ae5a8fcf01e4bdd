"""The day's queue: order, limits, learning steps, sibling burying, prerequisites, rollover."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from studyapp.errors import UserError
from studyapp.scheduling.service import ReviewService
from studyapp.storage.models import Card, CardState, Deck
from tests.scheduling.conftest import card_state, set_preset

GOOD, AGAIN, HARD, EASY = 3, 1, 2, 4


def ids(items):
    return [i.content_id for i in items]


def counts_by_slug(service, deck=None):
    return {c.slug: (c.new, c.learning, c.review) for c in service.counts(deck)}


def test_first_day_new_cards_in_content_order_prerequisites_and_siblings(service):
    queue = service.queue()
    # content order; one card per note (reverse and second cloze wait); momentum and adam
    # wait for sgd (their prerequisite) to be studied
    assert ids(queue)[:7] == ["sgd-1", "sgd-2", "sgd-3", "sgd-rev", "sgd-cloze::c1", "sgd-step", "big-1"]
    assert not {i.deck for i in queue} & {"momentum", "adam"}
    assert len([i for i in queue if i.deck == "big"]) == 20  # default new limit
    assert counts_by_slug(service) == {"sgd": (6, 0, 0), "momentum": (0, 0, 0), "adam": (0, 0, 0), "big": (20, 0, 0)}
    first = service.next_card()
    assert first.content_id == "sgd-1" and first.state == "new" and first.queue == "new"
    assert first.front == "question sgd-1?" and first.deck == "sgd" and first.variant_seed is None
    step = next(i for i in queue if i.content_id == "sgd-step")
    assert step.kind == "exercise" and step.extra["target_seconds"] == 300 and step.variant_seed is not None


def test_deck_filter_and_unknown_deck(service):
    assert {i.deck for i in service.queue("big")} == {"big"}
    assert [c.slug for c in service.counts("big")] == ["big"]
    assert service.next_card("momentum") is None
    with pytest.raises(UserError, match="no deck 'nope'"):
        service.counts("nope")


def test_learning_steps_and_learning_first(service, curriculum, clock, no_fuzz):
    card = curriculum["sgd-1"]
    start = clock.now()
    r = service.review(card, AGAIN)
    assert (r.state, r.interval) == ("learning", timedelta(minutes=1))
    assert card_state(service.database, card)[:2] == (1, 0)
    # not due yet: other cards first, the learning card comes back within the learn-ahead limit at the end
    assert service.next_card().content_id == "sgd-2"
    assert ids(service.queue())[-1] == "sgd-1"
    clock.advance(minutes=1)
    assert service.next_card().content_id == "sgd-1"  # due now: (re)learning first
    assert service.next_card().queue == "learning"
    r = service.review(card, HARD)  # step 0, hard: halfway between 1m and 10m
    assert r.interval == timedelta(minutes=5, seconds=30)
    clock.advance(minutes=6)
    r = service.review(card, GOOD)
    assert (r.state, r.interval) == ("learning", timedelta(minutes=10))
    assert card_state(service.database, card)[:2] == (1, 1)
    clock.advance(minutes=10)
    r = service.review(card, GOOD)  # last step: graduates
    assert r.state == "review" and r.interval >= timedelta(days=1) and r.interval.seconds == 0
    assert card_state(service.database, card)[1] is None
    assert counts_by_slug(service)["sgd"][1] == 0
    assert clock.now() - start == timedelta(minutes=17)


def test_relearning_after_a_lapse(service, curriculum, clock, no_fuzz):
    card = curriculum["sgd-1"]
    r = service.review(card, EASY)
    assert r.state == "review"
    clock.set(r.due)
    r = service.review(card, AGAIN)
    assert (r.state, r.interval) == ("relearning", timedelta(minutes=10))
    state = card_state(service.database, card)
    assert state[0] == 3 and state[6:] == (2, 1)  # reps, lapses
    assert counts_by_slug(service)["sgd"][1] == 1
    clock.advance(minutes=10)
    assert service.next_card().content_id == "sgd-1"
    assert service.review(card, GOOD).state == "review"


def _make_review(database, card_id, *, interval_days, overdue_days, now):
    """Put a card in Review state: reviewed interval+overdue days ago, due overdue days ago."""
    last = now - timedelta(days=interval_days + overdue_days)
    with database.unit_of_work() as session:
        session.execute(update(CardState).where(CardState.card_id == card_id).values(
            state=2, step=None, stability=float(interval_days), difficulty=5.0,
            due=last + timedelta(days=interval_days), last_review=last, reps=3, lapses=0))


def test_reviews_most_overdue_relative_to_interval_first(service, curriculum, clock, database):
    now = clock.now()
    _make_review(database, curriculum["big-1"], interval_days=10, overdue_days=5, now=now)  # ratio 1.5
    _make_review(database, curriculum["big-2"], interval_days=2, overdue_days=2, now=now)  # ratio 2.0
    _make_review(database, curriculum["big-3"], interval_days=100, overdue_days=0, now=now)  # 1.0
    _make_review(database, curriculum["big-4"], interval_days=4, overdue_days=-0.5, now=now)  # due later today
    _make_review(database, curriculum["big-5"], interval_days=4, overdue_days=-1, now=now)  # due tomorrow
    reviews = [i.content_id for i in service.queue() if i.queue == "review"]
    assert reviews == ["big-2", "big-1", "big-3", "big-4"]
    assert ids(service.queue())[:4] == reviews  # reviews before new cards
    assert counts_by_slug(service)["big"] == (20, 0, 4)


def test_daily_limits_per_deck_and_day_rollover_at_4(database, clock, curriculum):
    set_preset(database, "big", new_per_day=5, reviews_per_day=3)
    clock.set(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    now = clock.now()
    for n in range(6, 16):
        _make_review(database, curriculum[f"big-{n}"], interval_days=3, overdue_days=n / 10, now=now)
    assert counts_by_slug(service, "big") == {"big": (5, 0, 3)}
    for _ in range(3):
        item = service.next_card("big")
        assert item.queue == "review"
        service.review(item.card_id, GOOD)
    assert counts_by_slug(service, "big") == {"big": (5, 0, 0)}
    for _ in range(5):
        item = service.next_card("big")
        assert item.queue == "new"
        service.review(item.card_id, EASY)
    assert counts_by_slug(service, "big") == {"big": (0, 0, 0)}
    assert service.next_card("big") is None
    assert counts_by_slug(service)["sgd"] == (6, 0, 0)  # other decks keep their own limits
    clock.set(datetime(2026, 3, 3, 3, 59, tzinfo=UTC))  # still the same study day
    assert counts_by_slug(service, "big")["big"][0] == 0
    clock.set(datetime(2026, 3, 3, 4, 0, tzinfo=UTC))  # a new day: fresh limits
    new, _, review = counts_by_slug(service, "big")["big"]
    assert new == 5 and review == 3
    new_cards = [i.content_id for i in service.queue("big") if i.queue == "new"]
    assert new_cards == [f"big-{n}" for n in range(16, 21)]  # new cards continue in content order


def test_day_start_hour_from_settings(database, clock, curriculum):
    from studyapp.storage.settings import set_setting

    with database.unit_of_work() as session:
        set_setting(session, "day_start_hour", 6)
    service = ReviewService(database, clock, zone=UTC)
    assert service.day_start_hour == 6
    assert service.today_start() == datetime(2026, 3, 2, 6, tzinfo=UTC)


def test_siblings_are_not_shown_on_the_same_day(service, curriculum, clock, no_fuzz):
    service.review(curriculum["sgd-rev"], EASY)
    service.review(curriculum["sgd-cloze::c1"], GOOD)  # still learning
    queue = ids(service.queue())
    assert "sgd-rev::reverse" not in queue and "sgd-cloze::c2" not in queue
    assert "sgd-cloze::c1" in queue  # the learning card itself is not buried
    clock.advance(minutes=10)
    assert service.review(curriculum["sgd-cloze::c1"], GOOD).state == "review"
    clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    queue = ids(service.queue())
    assert "sgd-rev::reverse" in queue and "sgd-cloze::c2" in queue
    # a review card is buried too when its sibling was studied today
    r = service.review(curriculum["sgd-rev::reverse"], EASY)
    clock.set(datetime(2026, 3, 14, 9, 0, tzinfo=UTC))  # both siblings due by now
    assert r.due < clock.now()
    queue = [i for i in service.queue() if i.note_id == "sgd-rev"]
    assert len(queue) == 1 and queue[0].queue == "review"
    service.review(queue[0].card_id, GOOD)
    assert not [i for i in service.queue() if i.note_id == "sgd-rev"]


def _study_whole_deck(service, clock, deck, days=4):
    for _ in range(days):
        while (item := service.next_card(deck)) is not None:
            service.review(item.card_id, EASY)
        clock.advance(days=1)


def test_prerequisites_order_new_cards_across_decks(service, curriculum, clock, database):
    service.review(curriculum["sgd-1"], EASY)
    assert service.counts("momentum")[0].new == 0
    _study_whole_deck(service, clock, "sgd")
    # sgd fully studied (siblings on later days): momentum opens, adam still waits for momentum
    assert service.counts("momentum")[0].new == 3
    assert service.counts("adam")[0].new == 0
    _study_whole_deck(service, clock, "momentum")
    assert ids(service.queue("adam")) == ["adam-1", "adam-2", "adam-step"]


def test_suspended_card_in_a_required_deck_does_not_block(service, curriculum, clock):
    for content_id in ("sgd-1", "sgd-2", "sgd-3", "sgd-rev", "sgd-cloze::c1", "sgd-step"):
        service.review(curriculum[content_id], EASY)
    assert service.counts("momentum")[0].new == 0  # the buried siblings are still new
    service.suspend(curriculum["sgd-rev::reverse"])
    service.suspend(curriculum["sgd-cloze::c2"])
    assert service.counts("momentum")[0].new == 3


def test_exercise_waits_for_the_exercises_it_requires(service, curriculum, database):
    with database.unit_of_work() as session:  # let adam's deck open at once
        session.execute(update(Deck).where(Deck.slug == "adam").values(requires=[]))
    assert ids(service.queue("adam")) == ["adam-1", "adam-2"]  # adam-step requires sgd-step
    service.review(curriculum["sgd-step"], GOOD)
    assert ids(service.queue("adam")) == ["adam-1", "adam-2", "adam-step"]


def test_requirement_cycles_do_not_lock_decks(service, database):
    with database.unit_of_work() as session:
        session.execute(update(Deck).where(Deck.slug == "sgd").values(requires=["adam"]))
    assert service.counts("sgd")[0].new == 6


def test_suspended_and_retired_cards_are_never_shown(service, curriculum, database):
    service.suspend(curriculum["sgd-1"])
    with database.unit_of_work() as session:
        session.execute(update(Card).where(Card.content_id == "sgd-2").values(retired=True))
    queue = ids(service.queue())
    assert "sgd-1" not in queue and "sgd-2" not in queue
    service.unsuspend(curriculum["sgd-1"])
    assert ids(service.queue())[0] == "sgd-1"
    with pytest.raises(UserError):
        service.review(curriculum["sgd-2"], GOOD)
    with pytest.raises(UserError):
        service.suspend(999999)


def test_learning_steps_of_a_day_or_more_are_due_all_day(database, clock, curriculum):
    set_preset(database, "big", learning_steps=("1d", "3d"), enable_fuzzing=False)
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    item = service.queue("big")[0]
    r = service.review(item.card_id, GOOD)  # step 0 -> 1: 3 days
    assert (r.state, r.interval) == ("learning", timedelta(days=3))
    clock.set(datetime(2026, 3, 5, 4, 30, tzinfo=UTC))  # the day it is due, before the hour it is due
    first = service.next_card("big")
    assert first.card_id == item.card_id and first.queue == "learning"
