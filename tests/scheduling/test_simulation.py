"""Sixty simulated days of study with a fixed clock: the invariants of issue 4 hold every day."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from studyapp.scheduling.exercises import exercise_rating
from studyapp.scheduling.service import ReviewService
from studyapp.storage.models import Card, ReviewLog
from tests.scheduling.conftest import card_state, set_preset

DAYS = 60
LIMITS = {"big": dict(new_per_day=5, reviews_per_day=6)}


def _rating(rng: random.Random, item) -> int:
    if item.kind == "exercise":
        return exercise_rating(passed=rng.random() < 0.8, failed_attempts=rng.choice([0, 0, 1]),
                               hints_used=rng.choice([0, 0, 0, 1]), revealed=rng.random() < 0.05,
                               gave_up=False, seconds=rng.uniform(60, 600),
                               target_seconds=item.extra["target_seconds"])
    return rng.choices([1, 2, 3, 4], weights=[12, 8, 70, 10])[0]


def _agrees_with_fresh(service):
    fresh = ReviewService(service.database, service.clock, day_start_hour=4, zone=UTC)
    assert service.counts() == fresh.counts()
    mine, theirs = service.queue(), fresh.queue()
    assert sorted(i.card_id for i in mine) == sorted(i.card_id for i in theirs)
    for kind in ("learning", "new"):
        assert [i.card_id for i in mine if i.queue == kind] == [i.card_id for i in theirs if i.queue == kind]
    assert mine == [i for i in mine if i in theirs]  # same items (states, due dates, text)


def test_sixty_days(database, clock, curriculum):
    for deck, limits in LIMITS.items():
        set_preset(database, deck, **limits)
    service = ReviewService(database, clock, day_start_hour=4, zone=UTC)
    rng = random.Random(4)
    first_seen: dict[str, datetime] = {}
    undo_checks = 0

    for day in range(DAYS):
        clock.set(datetime(2026, 3, 2, 8, tzinfo=UTC) + timedelta(days=day, minutes=rng.randrange(0, 600)))
        day_end = service.today_end()
        counts = {c.slug: c for c in service.counts()}
        queue = service.queue()
        # counts and queue agree; limits hold; only cards due today
        for slug, c in counts.items():
            in_queue = [i for i in queue if i.deck == slug]
            assert c.new == sum(i.queue == "new" for i in in_queue)
            assert c.review == sum(i.queue == "review" for i in in_queue)
        assert counts["big"].new <= 5 and counts["big"].review <= 6
        due_big = sum(
            1 for i in range(1, 41)
            if (s := card_state(database, curriculum[f"big-{i}"]))[0] == 2 and s[4] < day_end
        )
        assert counts["big"].review == min(6, due_big)  # no siblings in big: exactly min(limit, due)

        reviewed_today = defaultdict(set)
        n = 0
        while (item := service.next_card()) is not None:
            n += 1
            if n % 7 == 0:  # what the service kept between calls agrees with a queue built from scratch
                _agrees_with_fresh(service)
            now = clock.now()
            if item.queue == "review":
                assert item.state == "review" and item.due < day_end
            elif item.queue == "learning":
                # an exercise's steps are days: due today, it is shown as Anki shows interday learning
                interday = item.kind == "exercise" and item.due < day_end
                assert item.state in ("learning", "relearning") and (item.due <= now + service.learn_ahead
                                                                     or interday)
            else:
                assert item.state == "new"
                first_seen.setdefault(item.content_id, now)
            rating = _rating(rng, item)
            if rng.random() < 0.05:  # change of mind: undo, then rate again; the same result comes back
                before = card_state(database, item.card_id)
                first = service.review(item.card_id, rating)
                service.undo()
                assert card_state(database, item.card_id) == before
                assert service.review(item.card_id, rating).due == first.due
                undo_checks += 1
            else:
                service.review(item.card_id, rating, duration_ms=rng.randrange(2000, 20000))
            reviewed_today[item.note_id].add(item.card_id)
            clock.advance(seconds=rng.randrange(5, 60))
        # the day is done: nothing left today but learning cards due after the learn-ahead window
        assert all(c.new == 0 and c.review == 0 for c in service.counts())
        # siblings never met on the same day
        assert all(len(cards) == 1 for cards in reviewed_today.values())

    with database.unit_of_work() as session:
        logs = session.execute(
            select(ReviewLog.reviewed_at, ReviewLog.prev_state, Card.content_id).join(Card)
        ).all()
    per_day_new, per_day_review = defaultdict(int), defaultdict(int)
    for at, prev_state, content_id in logs:
        if content_id.startswith("big-"):
            day = (at - timedelta(hours=4)).date()
            per_day_new[day] += prev_state == 0
            per_day_review[day] += prev_state == 2
    assert max(per_day_new.values()) == 5 and max(per_day_review.values()) == 6  # both limits bind
    # every card met, and in prerequisite order: sgd, then momentum, then adam; sgd-step before adam-step
    assert len(first_seen) == len(curriculum)
    last = {deck: max(t for c, t in first_seen.items() if c.startswith(prefix))
            for deck, prefix in (("sgd", "sgd"), ("momentum", "mom-"))}
    first = {deck: min(t for c, t in first_seen.items() if c.startswith(prefix))
             for deck, prefix in (("momentum", "mom-"), ("adam", "adam"))}
    assert last["sgd"] < first["momentum"] and last["momentum"] < first["adam"]
    assert first_seen["sgd-step"] < first_seen["adam-step"]
    assert undo_checks > 0
