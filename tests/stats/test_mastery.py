"""Mastery by topic and tag, and exercise results from the submissions table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from studyapp.stats import MemoryModel, mastery_stats
from tests.stats.builder import DAY, STATE_REVIEW
from tests.stats.conftest import NOW
from tests.stats.test_outlook import fsrs_r


def at(m, d, hh=10, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=UTC)


def test_topics_and_tags_weakest_first(session, history):
    h = history
    optim = h.deck("optim", topic="optimizers")
    init = h.deck("init", topic="initialization")
    cards = {
        "adam": h.card(optim, tags="adam exercise"),  # topic from the deck
        "sgd": h.card(optim, topic="sgd", tags="adam"),
        "fresh": h.card(init),  # never reviewed
        "xavier": h.card(init, tags="xavier"),
        "resting": h.card(init, tags="xavier", suspended=True),
        "orphan": h.card(h.deck("misc")),
    }
    r = {}
    for name, stability, days in (("adam", 10, 12), ("sgd", 50, 3), ("xavier", 2, 9), ("resting", 1, 50)):
        h.set_state(cards[name], state=STATE_REVIEW, stability=stability, difficulty=5,
                    last_review=NOW - days * DAY, due=NOW + DAY)
        r[name] = fsrs_r(stability, NOW - days * DAY)
    h.flush()
    m = mastery_stats(session, NOW, zone=UTC, memory=MemoryModel())
    topics = [(g.name, g.cards, g.reviewed, g.at_risk) for g in m.topics]
    assert topics == [("initialization", 2, 1, 1), ("optimizers", 1, 1, 1), ("sgd", 1, 0 + 1, 0),
                      ("(no topic)", 1, 0, 0)]
    by_topic = {g.name: g for g in m.topics}
    assert by_topic["initialization"].mean_retrievability == pytest.approx(r["xavier"])
    assert by_topic["sgd"].mean_retrievability == pytest.approx(r["sgd"])
    assert by_topic["(no topic)"].mean_retrievability is None
    tags = {g.name: g for g in m.tags}
    assert [g.name for g in m.tags] == ["xavier", "exercise", "adam"]
    assert tags["adam"].cards == 2 and tags["adam"].mean_retrievability == pytest.approx((r["adam"] + r["sgd"]) / 2)
    assert tags["xavier"].cards == 1  # the suspended card is left out
    assert tags["exercise"].mean_retrievability == pytest.approx(r["adam"])


def test_exercise_results(session, history):
    h = history
    deck = h.deck("optim", topic="optimizers")
    adam = h.card(deck, kind="exercise", content_id="adam-step", extra={"title": "Adam step"})
    bias = ("adam-no-bias-correction", "your update matches Adam without bias correction")
    eps = ("eps-inside-sqrt", "eps is added inside the square root")
    # sitting 1 (March 1): two failures, then a pass
    h.submission("adam-step", "failed", at(3, 1), diagnosis=bias, card=adam, duration_ms=40)
    h.submission("adam-step", "failed", at(3, 1, 10, 5), diagnosis=bias, card=adam, duration_ms=45)
    h.submission("adam-step", "passed", at(3, 1, 10, 10), card=adam, duration_ms=300)
    # sitting 2 (study day March 5): passed at once; a later failure at 03:00 is the same day
    h.submission("adam-step", "passed", at(3, 5), card=adam, duration_ms=100)
    h.submission("adam-step", "failed", at(3, 6, 3, 0), diagnosis=eps, card=adam, duration_ms=50)
    # another exercise, not linked to a card
    h.submission("sgd-step", "passed", at(3, 2), duration_ms=200)
    h.submission("sgd-step", "error", at(3, 3), duration_ms=10)
    # the learner's time on the exercise when it was rated: passes (Hard, Good) count,
    # Again (revealed / gave up) and manual reviews do not
    h.flush()
    h.review(adam, at(3, 1, 10, 11), rating=2, source="grader", duration_ms=600_000)
    h.review(adam, at(3, 5, 10, 1), rating=3, source="grader", duration_ms=120_000)
    h.review(adam, at(3, 6, 3, 1), rating=1, source="grader", duration_ms=900_000)
    h.review(adam, at(3, 7), rating=3, source="manual", duration_ms=5_000)
    h.flush()
    e = mastery_stats(session, NOW, day_start_hour=4, zone=UTC, memory=MemoryModel()).exercises
    assert (e.attempts, e.passed, e.sessions, e.first_try_passes) == (7, 3, 4, 2)
    assert e.pass_rate == pytest.approx(3 / 7) and e.first_try_rate == 0.5
    assert e.median_pass_ms == 360_000.0  # median of 600 s and 120 s
    adam_stats, sgd_stats = e.exercises  # weakest first: same first-try rate, adam passes less
    assert adam_stats.as_dict() == {
        "exercise_id": "adam-step", "title": "Adam step", "topic": "optimizers", "attempts": 5, "passed": 2,
        "pass_rate": 0.4, "sessions": 2, "first_try_passes": 1, "first_try_rate": 0.5,
        "median_pass_ms": 360_000.0, "last_status": "failed",
    }
    assert (sgd_stats.exercise_id, sgd_stats.sessions, sgd_stats.first_try_passes, sgd_stats.title) == \
        ("sgd-step", 2, 1, "")
    assert [(d.id, d.count, d.exercises) for d in e.diagnoses] == [
        ("adam-no-bias-correction", 2, ["adam-step"]), ("eps-inside-sqrt", 1, ["adam-step"])]
    assert e.diagnoses[0].text == bias[1]


def test_no_submissions(session):
    e = mastery_stats(session, NOW, zone=UTC, memory=MemoryModel()).exercises
    assert e.attempts == 0 and e.pass_rate is None and e.exercises == [] and e.diagnoses == []
