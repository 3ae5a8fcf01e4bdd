"""Outlook: card counts, forecast, histograms, retrievability and knowledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.stats import MemoryModel, load_memory_model, outlook_stats, retrievability
from tests.stats.builder import DAY, STATE_LEARNING, STATE_RELEARNING, STATE_REVIEW
from tests.stats.conftest import NOW


def fsrs_r(stability: float, last_review: datetime, now: datetime = NOW, decay: float | None = None) -> float:
    """The oracle: py-fsrs's own retrievability."""
    params = list(fsrs.scheduler.DEFAULT_PARAMETERS)
    if decay is not None:
        params[20] = decay
    card = fsrs.Card(card_id=1, state=fsrs.State.Review, stability=stability, difficulty=5.0,
                     due=last_review + DAY, last_review=last_review)
    return fsrs.Scheduler(parameters=params).get_card_retrievability(card, now)


@pytest.fixture
def cards(history):
    h = history
    deck = h.deck()
    c = {name: h.card(deck) for name in
         ("new", "learning", "young", "mature", "relearning", "tomorrow", "edge")}
    c["suspended"] = h.card(deck, suspended=True)
    c["retired"] = h.card(deck, retired=True)
    c["retired_deck"] = h.card(h.deck("gone", retired=True))
    h.set_state(c["learning"], state=STATE_LEARNING, stability=0.5, difficulty=6, last_review=NOW,
                due=NOW + timedelta(minutes=10))  # later today
    h.set_state(c["young"], state=STATE_REVIEW, stability=10, difficulty=4, last_review=NOW - 5 * DAY,
                due=NOW + 5 * DAY)  # interval 10
    h.set_state(c["mature"], state=STATE_REVIEW, stability=30, difficulty=8.5, last_review=NOW - 40 * DAY,
                due=NOW - 10 * DAY)  # interval 30, overdue
    h.set_state(c["relearning"], state=STATE_RELEARNING, stability=2, difficulty=9.5,
                last_review=NOW - timedelta(hours=1), due=NOW + timedelta(hours=1))
    h.set_state(c["tomorrow"], state=STATE_REVIEW, stability=3, difficulty=1, last_review=NOW - 2 * DAY,
                due=NOW + DAY)  # interval 3
    start_today = datetime(2026, 3, 10, 4, tzinfo=UTC)
    h.set_state(c["edge"], state=STATE_REVIEW, stability=20, difficulty=5, last_review=start_today - 21 * DAY,
                due=start_today)  # interval 21, due the moment today began: today, not overdue
    for name in ("suspended", "retired", "retired_deck"):
        h.set_state(c[name], state=STATE_REVIEW, stability=1, difficulty=5, last_review=NOW - 100 * DAY,
                    due=NOW - 99 * DAY)
    h.flush()
    return c


def test_card_counts_and_forecast(session, cards):
    o = outlook_stats(session, NOW, day_start_hour=4, zone=UTC, memory=MemoryModel())
    assert o.card_counts.as_dict() == {"new": 1, "learning": 1, "relearning": 1, "young": 2, "mature": 2,
                                       "suspended": 1, "total": 8}
    assert len(o.forecast) == 90 and o.forecast[0].day == "2026-03-10" and o.forecast[-1].day == "2026-06-07"
    assert o.forecast[0].as_dict() == {"day": "2026-03-10", "learning": 2, "young": 0, "mature": 2, "total": 4}
    assert o.forecast[1].as_dict() == {"day": "2026-03-11", "learning": 0, "young": 1, "mature": 0, "total": 1}
    assert o.forecast[5].young == 1
    assert sum(d.total for d in o.forecast) == 6
    assert (o.overdue, o.due_today, o.due_tomorrow, o.due_next_30, o.due_next_90) == (1, 4, 1, 6, 6)
    assert [d.total for d in o.forecast_days(30)][:6] == [4, 1, 0, 0, 0, 1]


def test_retrievability_knowledge_and_risk(session, cards):
    o = outlook_stats(session, NOW, day_start_hour=4, zone=UTC, memory=MemoryModel())
    expected = {
        "learning": fsrs_r(0.5, NOW),
        "young": fsrs_r(10, NOW - 5 * DAY),
        "mature": fsrs_r(30, NOW - 40 * DAY),
        "relearning": fsrs_r(2, NOW - timedelta(hours=1)),
        "tomorrow": fsrs_r(3, NOW - 2 * DAY),
        "edge": fsrs_r(20, datetime(2026, 3, 10, 4, tzinfo=UTC) - 21 * DAY),
    }
    assert expected["learning"] == 1.0 and expected["edge"] < 0.9
    assert o.reviewed_cards == 6
    assert o.estimated_knowledge == pytest.approx(sum(expected.values()), rel=1e-12)
    assert o.average_retrievability == pytest.approx(sum(expected.values()) / 6, rel=1e-12)
    assert o.at_risk == sum(r < 0.9 for r in expected.values()) == 2  # mature and edge
    # a deck that asks for 95% puts more cards at risk
    deck_id = cards["young"].deck_id
    strict = outlook_stats(session, NOW, day_start_hour=4, zone=UTC,
                           memory=MemoryModel(retention_by_deck={deck_id: 0.95}))
    assert strict.at_risk == sum(r < 0.95 for r in expected.values())
    # and a fitted decay changes the curve
    faster = outlook_stats(session, NOW, day_start_hour=4, zone=UTC,
                           memory=MemoryModel(decay_by_deck={deck_id: 0.5}))
    assert faster.estimated_knowledge == pytest.approx(
        fsrs_r(0.5, NOW, decay=0.5) + fsrs_r(10, NOW - 5 * DAY, decay=0.5)
        + fsrs_r(30, NOW - 40 * DAY, decay=0.5) + fsrs_r(2, NOW - timedelta(hours=1), decay=0.5)
        + fsrs_r(3, NOW - 2 * DAY, decay=0.5)
        + fsrs_r(20, datetime(2026, 3, 10, 4, tzinfo=UTC) - 21 * DAY, decay=0.5), rel=1e-12)


def test_histograms(session, cards):
    h = outlook_stats(session, NOW, day_start_hour=4, zone=UTC, memory=MemoryModel()).histograms
    interval = h["interval"]  # review-state cards: 10, 30, 3, 21 days
    assert interval.edges[:10] == [0, 1, 2, 3, 5, 7, 10, 14, 21, 30]
    assert interval.counts[:11] == [0, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0] and interval.total == 4
    assert h["stability"].total == 6 and h["stability"].counts[0] == 1  # the 0.5-day learning card
    difficulty = h["difficulty"]  # 6, 4, 8.5, 9.5, 1, 5
    assert difficulty.counts == [1, 0, 0, 1, 1, 1, 0, 1, 1]
    r = h["retrievability"]
    assert r.total == 6 and r.counts[19] == 2  # learning (1.0) and relearning (1.0)
    assert h["interval"].labels()[-1] == "730+"


def test_no_cards(session):
    o = outlook_stats(session, NOW, zone=UTC, memory=MemoryModel())
    assert o.card_counts.total == 0 and o.estimated_knowledge == 0.0
    assert o.average_retrievability is None and o.due_today == 0


def test_memory_model_from_presets(session, history):
    presets = pytest.importorskip("studyapp.scheduling.presets")
    deck = history.deck("strict")
    other = history.deck("plain")
    presets.save_preset(session, "strict", presets.Preset(desired_retention=0.95, name="strict"))
    params = list(presets.DEFAULT_PARAMETERS)
    params[20] = 0.3
    presets.save_parameters(session, "strict", presets.FittedParameters(tuple(params)))
    session.flush()
    model = load_memory_model(session)
    assert model.retention_by_deck[deck.id] == 0.95
    assert model.retention_by_deck[other.id] == 0.9
    assert model.decay_by_deck == {deck.id: pytest.approx(0.3)}


@settings(max_examples=60, deadline=None)
@given(
    stability=st.floats(0.01, 36500),
    elapsed_s=st.integers(0, 3 * 365 * 86400),
    decay=st.floats(0.1, 0.8),
)
def test_bulk_retrievability_matches_py_fsrs(stability, elapsed_s, decay):
    last = datetime(2025, 1, 1, 7, 13, 5, tzinfo=UTC)
    now = last + timedelta(seconds=elapsed_s)
    elapsed_days = np.array([elapsed_s // 86400])
    got = retrievability(elapsed_days, np.array([stability]), decay)[0]
    assert got == pytest.approx(fsrs_r(stability, last, now, decay), rel=1e-12)


def test_elapsed_days_are_exact_to_the_microsecond(session, history):
    """SQLite parses times to the millisecond; a last review at .9997 s must not slip a second."""
    card = history.card(history.deck())
    last = datetime(2026, 3, 7, 11, 59, 58, 999700, tzinfo=UTC)
    now = last + 3 * DAY + timedelta(milliseconds=500)  # 3 whole days and half a second
    history.set_state(card, state=STATE_REVIEW, stability=4, difficulty=5, last_review=last,
                      due=last + 4 * DAY)
    history.flush()
    o = outlook_stats(session, now, zone=UTC, memory=MemoryModel())
    assert o.estimated_knowledge == pytest.approx(fsrs_r(4, last, now), rel=1e-12)
    assert fsrs_r(4, last, now) != fsrs_r(4, last, now - timedelta(seconds=1))
