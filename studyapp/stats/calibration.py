"""Calibration: the recall probability FSRS predicted at each review against the outcome.

Every review log with a prediction (review_logs.retrievability, NULL on a first review)
is scored; recall = not Again (rating > 1). Reviews on the same day as the card's
previous review are left out, as the srs-benchmark leaves them out: py-fsrs counts
elapsed time in whole days, so it predicts exactly 1 for them, which log loss cannot
score. The numbers:

- bins of predicted R (20 bins of width 0.05): count, mean prediction, observed recall;
- log loss = -mean(y ln p + (1 - y) ln(1 - p)), p clipped to [1e-6, 1 - 1e-6];
- RMSE(bins) = sqrt(sum_b n_b (observed_b - predicted_b)^2 / sum_b n_b), the bins'
  squared calibration errors weighted by their counts. (The srs-benchmark's RMSE(bins)
  weighs the same way but bins by interval, review count and lapses; we bin by the
  prediction, which is also what the calibration chart shows.)

SQLite returns one group_concat string of per-review codes (the prediction rounded to
5 decimals, times 2, plus the outcome) and numpy does the binning: no per-row sort.
Predictions are therefore read at 1e-5 resolution (a rounding error of at most 5e-6 per
prediction, in either direction), far below anything shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from studyapp.stats._sql import StatsConn, fetch_all, fetch_one, int_list
from studyapp.stats.activity import split_ids
from studyapp.stats.model import Calibration, CalibrationBin
from studyapp.storage.sqldialect import SqlDialect

BINS = 20
SCALE = 100_000  # predictions are read as integers in units of 1e-5
EPS = 1e-6
LOSS_SCALE = 1e9

@lru_cache(maxsize=2)
def _codes_sql(d: SqlDialect) -> str:
    # a NULL prediction gives a NULL code, which group_concat skips. SQLite's CAST
    # truncates; PostgreSQL's rounds, so there floor() does what the + 0.5 expects.
    scaled = f"retrievability * {SCALE} + 0.5"
    rounded = f"floor({scaled})::bigint" if d.is_postgresql else f"CAST({scaled} AS INTEGER)"
    return (f"SELECT count(*), {d.group_concat(f'{rounded} * 2 + ' + d.as_int('rating > 1'))}"
            " FROM review_logs")


def id_ranges(conn: StatsConn, parts: int) -> list[tuple[int, int]]:
    """Split the review_logs ids into `parts` contiguous ranges (for parallel scans)."""
    # two statements: together, min() and max() would scan the table instead of a seek each
    (lo,) = fetch_one(conn, "SELECT min(id) FROM review_logs")
    (hi,) = fetch_one(conn, "SELECT max(id) FROM review_logs")
    if lo is None:
        return []
    return split_ids(lo, hi, parts)


@dataclass(frozen=True)
class PredictionStats:
    """Sufficient statistics of a set of review logs; they add up across id ranges."""

    rows: int  # review logs read, with or without a prediction
    same_day: int
    scored: int
    loss_units: int  # sum of -(y ln p + (1 - y) ln(1 - p)) in units of 1e-9 (per review rounded)
    bin_n: np.ndarray  # reviews per bin
    bin_y: np.ndarray  # recalled per bin
    bin_q: np.ndarray  # sum of the predictions per bin, in units of 1/SCALE: exact integers

    def __add__(self, other: PredictionStats) -> PredictionStats:
        return PredictionStats(self.rows + other.rows, self.same_day + other.same_day,
                               self.scored + other.scored, self.loss_units + other.loss_units,
                               self.bin_n + other.bin_n, self.bin_y + other.bin_y,
                               self.bin_q + other.bin_q)

    @classmethod
    def empty(cls) -> PredictionStats:
        zeros = np.zeros(BINS, dtype=np.int64)
        return cls(0, 0, 0, 0, zeros, zeros, zeros)


def _loss_units(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """-ln p and -ln(1 - p) for predictions q / SCALE (clipped), in integer units of 1e-9:
    summed as integers, any split of the logs adds up to exactly the same loss."""
    p = np.clip(q / SCALE, EPS, 1 - EPS)
    return (np.rint(-np.log(p) * LOSS_SCALE).astype(np.int64),
            np.rint(-np.log1p(-p) * LOSS_SCALE).astype(np.int64))


def stats_from_codes(code: np.ndarray, rows: int | None = None) -> PredictionStats:
    """Statistics of prediction codes: round(R * SCALE) * 2 + recalled; a prediction of 1
    (a code of 2 * SCALE or more) is a same-day review. Many codes are counted on the grid of
    prediction values (one bincount per review), a few one by one; both give the same
    numbers to the last bit."""
    if code.size and (code.min() < 0 or code.max() > 2 * SCALE + 1):
        code = np.clip(code, 0, 2 * SCALE + 1)  # none should be outside [0, 1]
    width = SCALE // BINS
    rows = int(code.size if rows is None else rows)
    if code.size > SCALE // 5:
        counts = np.bincount(code, minlength=2 * SCALE + 2)
        failed, recalled = counts[0:2 * SCALE:2], counts[1:2 * SCALE:2]  # index q: R = q / SCALE
        n = failed + recalled
        seen = np.flatnonzero(n)
        up, down = _loss_units(seen)
        n_seen = n[seen]
        return PredictionStats(
            rows=rows,
            same_day=int(counts[2 * SCALE :].sum()),
            scored=int(n_seen.sum()),
            loss_units=int(recalled[seen] @ up + failed[seen] @ down),
            bin_n=n.reshape(BINS, width).sum(axis=1),
            bin_y=recalled.reshape(BINS, width).sum(axis=1),
            bin_q=np.bincount(seen // width, weights=n_seen * seen, minlength=BINS).astype(
                np.int64
            ),
        )
    q, y = code >> 1, code & 1
    scored = q < SCALE
    q, y = q[scored], y[scored]
    up, down = _loss_units(q)
    which = q // width
    return PredictionStats(
        rows=rows,
        same_day=int(code.size - q.size),
        scored=int(q.size),
        loss_units=int(up[y == 1].sum() + down[y == 0].sum()),
        bin_n=np.bincount(which, minlength=BINS),
        bin_y=np.bincount(which[y == 1], minlength=BINS),
        # float sums of integers below 2**53 are exact
        bin_q=np.bincount(which, weights=q, minlength=BINS).astype(np.int64),
    )


def prediction_stats(conn: StatsConn, ids: tuple[int, int] | None = None) -> PredictionStats:
    """Read the review logs (optionally an id range) and reduce them to statistics."""
    if conn.dialect.is_postgresql:
        return _grouped_prediction_stats(conn, ids)
    if ids is None:
        rows, text = fetch_all(conn, _codes_sql(conn.dialect))[0]
    else:
        rows, text = fetch_all(conn, _codes_sql(conn.dialect) + " WHERE id BETWEEN ? AND ?",
                               ids)[0]
    return stats_from_codes(int_list(text), rows)


def _grouped_prediction_stats(conn: StatsConn, ids: tuple[int, int] | None) -> PredictionStats:
    """The same codes counted by the server (GROUP BY), expanded here: a server aggregates
    a million rows far faster than it writes them into one string (PostgreSQL)."""
    d = conn.dialect
    where = " WHERE id BETWEEN ? AND ?" if ids is not None else ""
    code = f"floor(retrievability * {SCALE} + 0.5)::bigint * 2 + {d.as_int('rating > 1')}"
    rows = fetch_all(conn, f"SELECT {code}, count(*) FROM review_logs{where} GROUP BY 1", ids or ())
    total = sum(int(n) for _, n in rows)
    known = [(c, n) for c, n in rows if c is not None]
    codes = np.repeat(np.array([c for c, _ in known], dtype=np.int64),
                      np.array([n for _, n in known], dtype=np.int64))
    return stats_from_codes(codes, total)


def calibration_from(parts: Iterable[PredictionStats] | PredictionStats) -> Calibration:
    if isinstance(parts, PredictionStats):
        parts = [parts]
    stats = sum(parts, PredictionStats.empty())
    total = stats.scored
    bins = []
    squared = 0.0
    for b in range(BINS):
        count = int(stats.bin_n[b])
        predicted = float(stats.bin_q[b] / SCALE / count) if count else None
        observed = float(stats.bin_y[b] / count) if count else None
        if count:
            squared += count * (observed - predicted) ** 2  # type: ignore[operator]
        bins.append(CalibrationBin(lower=round(b / BINS, 2), upper=round((b + 1) / BINS, 2),
                                   count=count, predicted=predicted, observed=observed))
    if not total:
        return Calibration(reviews=0, same_day=stats.same_day, bins=bins, log_loss=None,
                           rmse_bins=None, mean_predicted=None, mean_observed=None)
    return Calibration(
        reviews=total,
        same_day=stats.same_day,
        bins=bins,
        log_loss=stats.loss_units / LOSS_SCALE / total,
        rmse_bins=float(np.sqrt(squared / total)),
        mean_predicted=float(int(stats.bin_q.sum()) / SCALE / total),
        mean_observed=float(stats.bin_y.sum() / total),
    )


def calibration(conn: StatsConn) -> Calibration:
    return calibration_from(prediction_stats(conn))
