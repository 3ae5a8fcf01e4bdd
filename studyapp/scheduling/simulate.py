"""A learner simulated from known FSRS parameters, written as review logs (for the optimizer
test and the benchmark)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import fsrs
from sqlalchemy import insert
from sqlalchemy.orm import Session

from studyapp.scheduling.presets import DEFAULT_PARAMETERS
from studyapp.scheduling.rating import Rating
from studyapp.storage.models import Card, CardState, Deck, ReviewLog

# one review of a simulated card: (reviewed_at, rating, prev_state, before, after)
HistoryStep = tuple[datetime, int, int, fsrs.Card, fsrs.Card]

# far from the defaults: a learner who forgets fast at first and whose forgetting curve is flatter
_true = list(DEFAULT_PARAMETERS)
_true[0:4] = [0.1, 0.6, 1.2, 4.0]
_true[8] = 1.2
_true[20] = 0.5
TRUE_PARAMETERS: tuple[float, ...] = tuple(_true)


def simulate_history(n_cards: int, reviews_per_card: int, *, seed: int = 1,
                     start: datetime = datetime(2025, 1, 1, 12, tzinfo=UTC),
                     spread_days: int = 60) -> list[list[HistoryStep]]:
    """Per card, a list of (reviewed_at, rating, prev_state, before: fsrs.Card, after: fsrs.Card).

    The learner recalls with the probability the true parameters give, and reviews at
    intervals scattered around the ones the true parameters would schedule."""
    truth = fsrs.Scheduler(parameters=TRUE_PARAMETERS, learning_steps=(), relearning_steps=(),
                           enable_fuzzing=False)
    rng = random.Random(seed)
    histories: list[list[HistoryStep]] = []
    for card_id in range(1, n_cards + 1):
        card = fsrs.Card(card_id=card_id, due=start)
        at = start + timedelta(days=rng.randrange(spread_days), minutes=rng.randrange(600))
        history: list[HistoryStep] = []
        prev_state = 0
        for _ in range(reviews_per_card):
            if card.last_review is None:
                rating = rng.choice([1, 2, 3, 3, 3, 4])
            else:
                recall = rng.random() < truth.get_card_retrievability(card, at)
                rating = rng.choices([2, 3, 4], [0.15, 0.75, 0.10])[0] if recall else 1
            after, _ = truth.review_card(card, Rating(rating).to_fsrs(), at)
            history.append((at, rating, prev_state, card, after))
            prev_state = int(after.state)
            card = after
            interval = max(1, (after.due - at).days)
            at = at + timedelta(
                days=max(1, round(interval * rng.uniform(0.5, 1.6))), minutes=rng.randrange(-60, 60)
            )
        histories.append(history)
    return histories


def write_history(session: Session, deck_id: int, histories: list[list[HistoryStep]], *,
                  first_card_id: int = 1) -> list[int]:
    """Insert cards (one per history, into deck `deck_id`) with their logs and final states."""
    now = datetime(2025, 1, 1, tzinfo=UTC)
    card_rows, state_rows, log_rows = [], [], []
    ids = []
    for offset, history in enumerate(histories):
        card_id = first_card_id + offset
        ids.append(card_id)
        card_rows.append(dict(id=card_id, deck_id=deck_id, content_id=f"sim-{card_id}",
                              note_id=f"sim-{card_id}", kind="basic", position=offset, front="q",
                              back="a", extra={}, tags="", created_at=now, updated_at=now))
        logs = _log_rows(card_id, history)
        log_rows.extend(logs)
        state_rows.append(_state_row(card_id, history, logs))
    session.execute(insert(Card), card_rows)
    session.execute(insert(CardState), state_rows)
    for i in range(0, len(log_rows), 20000):
        session.execute(insert(ReviewLog), log_rows[i:i + 20000])
    return ids


def _log_rows(card_id: int, history: list[HistoryStep]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    reps = lapses = 0
    for at, rating, prev_state, before, after in history:
        rows.append(dict(
            card_id=card_id, rating=rating, reviewed_at=at, duration_ms=5000, source="manual",
            prev_state=prev_state, prev_step=before.step if prev_state else None,
            prev_stability=before.stability, prev_difficulty=before.difficulty,
            prev_due=before.due if prev_state else None, prev_last_review=before.last_review,
            prev_reps=reps, prev_lapses=lapses, state=int(after.state), stability=after.stability,
            difficulty=after.difficulty, due=after.due, retrievability=None,
        ))
        lapses += int(prev_state == 2 and rating == 1)
        reps += 1
    return rows


def _state_row(card_id: int, history: list[HistoryStep],
               logs: list[dict[str, Any]]) -> dict[str, Any]:
    """The card's state after its last simulated review (reps and lapses as the logs count them)."""
    last = history[-1][4] if history else None
    lapses = sum(int(log["prev_state"] == 2 and log["rating"] == 1) for log in logs)
    return dict(
        card_id=card_id, state=int(last.state) if last else 0, step=last.step if last else None,
        stability=last.stability if last else None, difficulty=last.difficulty if last else None,
        due=last.due if last else None, last_review=last.last_review if last else None,
        reps=len(logs), lapses=lapses,
    )


def make_deck(session: Session, slug: str, position: int = 0) -> int:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    deck = Deck(
        slug=slug, title=slug, position=position, requires=[], created_at=now, updated_at=now
    )
    session.add(deck)
    session.flush()
    return deck.id
