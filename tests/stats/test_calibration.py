"""Calibration: bins of predicted recall, log loss and RMSE(bins), exactly."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.stats import calibration_stats
from studyapp.stats._sql import dbapi_connection
from studyapp.stats.calibration import (
    SCALE,
    calibration_from,
    id_ranges,
    prediction_stats,
)
from tests.stats.builder import STATE_NEW
from tests.stats.conftest import NOW


def _log(history, card, r, rating, i):
    history.review(card, NOW - timedelta(minutes=i), rating, interval_days=3, retrievability=r)


def test_bins_log_loss_and_rmse(session, history):
    card = history.card(history.deck())
    for i, (r, rating) in enumerate([(0.9, 3), (0.9, 1), (0.95, 4), (0.62, 2), (1.0, 1)]):
        _log(history, card, r, rating, i)
    history.review(card, NOW - timedelta(days=9), 3, prev_state=STATE_NEW)  # first review: no prediction
    history.flush()
    c = calibration_stats(session)
    assert (c.reviews, c.same_day) == (4, 1)
    filled = {(b.lower, b.upper): (b.count, b.predicted, b.observed) for b in c.bins if b.count}
    assert filled == {(0.9, 0.95): (2, 0.9, 0.5), (0.95, 1.0): (1, 0.95, 1.0), (0.6, 0.65): (1, 0.62, 1.0)}
    assert len(c.bins) == 20 and c.bins[0].predicted is None
    assert c.log_loss == pytest.approx(-(math.log(0.9) + math.log(0.1) + math.log(0.95) + math.log(0.62)) / 4,
                                       rel=1e-9)
    assert c.rmse_bins == pytest.approx(math.sqrt((2 * 0.4**2 + 0.05**2 + 0.38**2) / 4), rel=1e-9)
    assert c.mean_predicted == pytest.approx((0.9 + 0.9 + 0.95 + 0.62) / 4, rel=1e-9)
    assert c.mean_observed == 0.75


def test_no_predictions(session, history):
    card = history.card(history.deck())
    history.review(card, NOW, 3, prev_state=STATE_NEW)
    history.flush()
    c = calibration_stats(session)
    assert c.reviews == 0 and c.log_loss is None and c.rmse_bins is None
    assert c.as_dict()["bins"][5] == {"lower": 0.25, "upper": 0.3, "count": 0, "predicted": None,
                                      "observed": None}


def test_certain_predictions_are_clipped_not_infinite(session, history):
    card = history.card(history.deck())
    _log(history, card, 0.0, 3, 0)  # predicted 0, recalled anyway
    history.flush()
    c = calibration_stats(session)
    assert c.reviews == 1 and c.log_loss == pytest.approx(-math.log(1e-6))


@settings(max_examples=25, deadline=None)
@given(
    outcomes=st.lists(st.tuples(st.integers(0, SCALE), st.integers(1, 4)), min_size=1, max_size=60),
    parts=st.integers(1, 5),
)
def test_matches_a_direct_computation_in_any_split(outcomes, parts):
    """Statistics of id ranges add up to those of the whole table, and both agree with a
    plain computation over the predictions (five-decimal values are read exactly)."""
    from studyapp.storage.db import open_database
    from tests.stats.builder import History

    db = open_database("sqlite://")
    try:
        with db.unit_of_work() as session:
            history = History(session)
            card = history.card(history.deck())
            for i, (units, rating) in enumerate(outcomes):
                _log(history, card, units / SCALE, rating, i)
            history.flush()
            conn = dbapi_connection(session)
            whole = calibration_from(prediction_stats(conn))
            split = calibration_from([prediction_stats(conn, ids) for ids in id_ranges(conn, parts)])
    finally:
        db.dispose()
    assert split.reviews == whole.reviews
    assert [b.count for b in split.bins] == [b.count for b in whole.bins]
    if whole.log_loss is None:
        assert split.log_loss is None
    else:
        assert split.log_loss == pytest.approx(whole.log_loss, rel=1e-12)

    scored = [(m / SCALE, rating > 1) for m, rating in outcomes if m < SCALE]
    assert whole.same_day == len(outcomes) - len(scored)
    assert whole.reviews == len(scored)
    if not scored:
        return
    p = np.array([x for x, _ in scored])
    y = np.array([v for _, v in scored], dtype=float)
    clipped = np.clip(p, 1e-6, 1 - 1e-6)
    # the loss is summed to 1e-9 per review (in fixed point, so any split agrees exactly)
    assert whole.log_loss == pytest.approx(-np.mean(y * np.log(clipped) + (1 - y) * np.log(1 - clipped)),
                                           rel=1e-9, abs=1e-9)
    assert split.log_loss == whole.log_loss and split == whole
    which = np.array([m * 20 // SCALE for m, r in outcomes if m < SCALE])
    squared = 0.0
    for b in range(20):
        mask = which == b
        assert whole.bins[b].count == int(mask.sum())
        if mask.any():
            assert whole.bins[b].predicted == pytest.approx(p[mask].mean(), rel=1e-9)
            assert whole.bins[b].observed == pytest.approx(y[mask].mean(), rel=1e-9)
            squared += mask.sum() * (y[mask].mean() - p[mask].mean()) ** 2
    assert whole.rmse_bins == pytest.approx(math.sqrt(squared / len(scored)), rel=1e-9, abs=1e-12)


def test_counting_on_the_grid_and_one_by_one_agree_to_the_bit():
    from studyapp.stats.calibration import PredictionStats, stats_from_codes

    rng = np.random.default_rng(5)
    q = np.round(rng.beta(8, 1, 300_000) * SCALE).astype(np.int64)
    codes = q * 2 + (rng.random(q.size) < 0.88)
    codes[::997] = 2 * SCALE + 1  # same-day reviews
    whole = stats_from_codes(codes)  # the grid
    pieces = sum((stats_from_codes(codes[i:i + 50_000]) for i in range(0, q.size, 50_000)),
                 PredictionStats.empty())  # one by one
    assert whole.loss_units == pieces.loss_units and whole.same_day == pieces.same_day
    assert whole.scored == pieces.scored
    for name in ("bin_n", "bin_y", "bin_q"):
        assert np.array_equal(getattr(whole, name), getattr(pieces, name))
    assert calibration_from(whole) == calibration_from(pieces)
