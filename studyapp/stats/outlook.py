"""Outlook: card counts, the due forecast, histograms, estimated knowledge; and mastery by
topic and tag. All from one read of the live cards (LiveCards), in numpy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import numpy as np

from studyapp.stats.calendar import StudyCalendar
from studyapp.stats.memory import LiveCards
from studyapp.stats.model import CardCounts, ForecastDay, GroupMastery, Histogram, Outlook
from studyapp.storage.models import STATE_LEARNING, STATE_NEW, STATE_RELEARNING, STATE_REVIEW

FORECAST_DAYS = 90
DAY_EDGES = [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 60, 90, 180, 365, 730]
DIFFICULTY_EDGES = [1, 2, 3, 4, 5, 6, 7, 8, 9]
R_EDGES = [round(0.05 * i, 2) for i in range(20)]


def histogram(name: str, unit: str, edges: Sequence[float], values: np.ndarray) -> Histogram:
    """Counts per bin [edges[i], edges[i+1]); below the first edge counts in the first bin,
    the last bin is open-ended; NaN values are skipped."""
    values = values[~np.isnan(values)]
    index = np.clip(
        np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="right") - 1, 0, None
    )
    counts = np.bincount(index, minlength=len(edges))
    return Histogram(
        name=name, unit=unit, edges=[float(e) for e in edges], counts=[int(c) for c in counts]
    )


def card_counts(cards: LiveCards) -> CardCounts:
    active = cards.active
    state = cards.state
    review = active & (state == STATE_REVIEW)
    mature = review & cards.mature
    return CardCounts(
        new=int(np.count_nonzero(active & (state == STATE_NEW))),
        learning=int(np.count_nonzero(active & (state == STATE_LEARNING))),
        relearning=int(np.count_nonzero(active & (state == STATE_RELEARNING))),
        young=int(np.count_nonzero(review & ~mature)),
        mature=int(np.count_nonzero(mature)),
        suspended=int(np.count_nonzero(cards.suspended)),
        total=len(state),
    )


def outlook(cards: LiveCards, cal: StudyCalendar, forecast_days: int = FORECAST_DAYS) -> Outlook:
    today = cal.today
    bounds = cal.bounds_us(today, today + timedelta(days=forecast_days - 1))
    scheduled = cards.active & (cards.state != STATE_NEW) & (cards.due_us >= 0)
    due = cards.due_us[scheduled]
    day = np.searchsorted(bounds[1:], due, side="right")  # 0: before tomorrow, overdue included
    in_range = day < forecast_days
    learning = np.isin(cards.state[scheduled], (STATE_LEARNING, STATE_RELEARNING))
    mature = cards.mature[scheduled]
    young = ~learning & ~mature

    def per_day(mask: np.ndarray) -> np.ndarray:
        return np.bincount(day[in_range & mask], minlength=forecast_days)

    lrn, yng, mat = per_day(learning), per_day(young), per_day(mature)
    forecast = [
        ForecastDay(day=(today + timedelta(days=i)).isoformat(), learning=int(lrn[i]),
                    young=int(yng[i]), mature=int(mat[i]), total=int(lrn[i] + yng[i] + mat[i]))
        for i in range(forecast_days)
    ]
    totals = lrn + yng + mat

    reviewed = cards.reviewed
    r = cards.retrievability[reviewed]
    at_risk = int(np.count_nonzero(r < cards.desired_retention[reviewed]))
    review_state = reviewed & (cards.state == STATE_REVIEW)
    histograms = {
        "interval": histogram("interval", "days", DAY_EDGES, cards.interval_days[review_state]),
        "stability": histogram("stability", "days", DAY_EDGES, cards.stability[reviewed]),
        "difficulty": histogram("difficulty", "", DIFFICULTY_EDGES, cards.difficulty[reviewed]),
        "retrievability": histogram("retrievability", "", R_EDGES, r),
    }
    return Outlook(
        card_counts=card_counts(cards),
        forecast=forecast,
        overdue=int(np.count_nonzero(due < bounds[0])),
        due_today=int(totals[0]) if forecast_days else 0,
        due_tomorrow=int(totals[1]) if forecast_days > 1 else 0,
        due_next_30=int(totals[:30].sum()),
        due_next_90=int(totals[:90].sum()),
        reviewed_cards=int(r.size),
        estimated_knowledge=float(r.sum()),
        average_retrievability=float(r.mean()) if r.size else None,
        at_risk=at_risk,
        histograms=histograms,
    )


def _mastery(
    names: list[str], codes: np.ndarray, cards: LiveCards
) -> list[tuple[str, int, int, float, int]]:
    """(name, cards, reviewed, sum of R, at risk) per code."""
    size = len(names)
    reviewed = cards.reviewed
    r = np.where(reviewed, cards.retrievability, 0.0)
    risky = reviewed & (r < cards.desired_retention)
    n_cards = np.bincount(codes[cards.active], minlength=size)
    n_reviewed = np.bincount(codes[reviewed], minlength=size)
    sum_r = np.bincount(codes[reviewed], weights=r[reviewed], minlength=size)
    n_risk = np.bincount(codes[risky], minlength=size)
    return [(names[k], int(n_cards[k]), int(n_reviewed[k]), float(sum_r[k]), int(n_risk[k]))
            for k in range(size)]


def _weakest_first(rows) -> list[GroupMastery]:
    out = [GroupMastery(name=name, cards=n, reviewed=rev,
                        mean_retrievability=(s / rev) if rev else None, at_risk=risk)
           for name, n, rev, s, risk in rows if n]
    return sorted(
        out, key=lambda g: (g.mean_retrievability is None, g.mean_retrievability or 0.0, g.name)
    )


NO_TOPIC = "(no topic)"


def topic_mastery(cards: LiveCards) -> list[GroupMastery]:
    """Per topic (the card's, else its deck's): weakest first, topics with nothing reviewed last."""
    merged: dict[str, list] = {}
    for name, n, rev, s, risk in _mastery(cards.topics, cards.topic_code, cards):
        acc = merged.setdefault(name or NO_TOPIC, [name or NO_TOPIC, 0, 0, 0.0, 0])
        for j, v in enumerate((n, rev, s, risk), start=1):
            acc[j] += v
    return _weakest_first(merged.values())


def tag_mastery(cards: LiveCards) -> list[GroupMastery]:
    """Per tag (a card with several tags counts in each): weakest first."""
    merged: dict[str, list] = {}
    for text, n, rev, s, risk in _mastery(cards.tag_strings, cards.tags_code, cards):
        for tag in dict.fromkeys(text.split()):
            acc = merged.setdefault(tag, [tag, 0, 0, 0.0, 0])
            for j, v in enumerate((n, rev, s, risk), start=1):
                acc[j] += v
    return _weakest_first(merged.values())
