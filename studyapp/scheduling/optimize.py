"""Fit FSRS-6 parameters to the learner's own review history with fsrs-rs-python.

Review logs become fsrs-rs training items the way Anki builds them: per card, in time
order, from the card's first review as a new card; `delta_t` is the number of study days
(rolling over at the day-start hour) since the previous review; one item per review
that happened on a later day than the review before it, holding the history up to and
including it.

Evaluation follows the srs-benchmark idea of a time-series split: the items are ordered
by the time of the review they predict, the parameters are fitted on the earliest 80%
and both the parameters in use before and the freshly fitted ones predict the newest
20%; log loss and RMSE(bins) are reported for both. The parameters that are saved are
then fitted on all items. They are saved only when they predicted the held-out reviews
better than the parameters in use (or when forced).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import fsrs
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from studyapp.clock import Clock, as_utc
from studyapp.errors import UserError
from studyapp.jsontypes import JsonObject
from studyapp.scheduling.days import DEFAULT_DAY_START_HOUR, local_zone
from studyapp.scheduling.presets import (
    DEFAULT_PARAMETERS,
    FittedParameters,
    Preset,
    clamp_parameters,
    load_parameters,
    load_presets,
    save_parameters,
)
from studyapp.scheduling.rating import Rating
from studyapp.scheduling.service import fuzzed_interval_days
from studyapp.storage.db import Database
from studyapp.storage.models import STATE_NEW, Card, CardState, Deck, ReviewLog
from studyapp.storage.queries import resolve_deck
from studyapp.storage.sqldialect import RawSql
from studyapp.storage.stored_time import from_julian

if TYPE_CHECKING:  # imported where used: loading the Rust extension takes a while
    from fsrs_rs_python import FSRSItem

MIN_REVIEWS = 400  # reviews on a later day than the card's previous one
MIN_TEST_ITEMS = 50
TEST_FRACTION = 0.2


class NotEnoughReviews(UserError):
    """Too little history to fit parameters that mean anything."""


@dataclass(frozen=True)
class Evaluation:
    log_loss: float
    rmse_bins: float

    def as_dict(self) -> dict[str, float]:
        return {"log_loss": self.log_loss, "rmse_bins": self.rmse_bins}


@dataclass(frozen=True)
class TimedItem:
    """One training item: the review it predicts happened at `at`."""

    at: datetime | float  # as history_items was given it: a datetime or a Julian day
    card_id: int
    item: FSRSItem


@dataclass
class OptimizeResult:
    preset: str
    decks: list[str]
    reviews: int  # review logs read
    cards: int  # cards with a usable history
    items: int  # training items (reviews on a later day than the previous one)
    train_items: int
    test_items: int
    previous: tuple[float, ...]  # parameters in use before
    parameters: tuple[float, ...]  # fitted on all items
    before: Evaluation  # `previous` on the held-out items
    after: Evaluation  # parameters fitted on the train split, on the held-out items
    improved: bool
    saved: bool = False
    fit_seconds: float = 0.0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> JsonObject:
        return {
            "preset": self.preset,
            "decks": self.decks,
            "reviews": self.reviews,
            "cards": self.cards,
            "items": self.items,
            "train_items": self.train_items,
            "test_items": self.test_items,
            "previous": list(self.previous),
            "parameters": list(self.parameters),
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
            "improved": self.improved,
            "saved": self.saved,
            "fit_seconds": round(self.fit_seconds, 4),
            "seconds": round(self.seconds, 4),
        }

    def describe(self) -> str:
        lines = [
            f"Preset {self.preset!r} (decks: {', '.join(self.decks)}): "
            f"{self.reviews} reviews of {self.cards} cards, {self.items} usable; "
            f"fitted on the first {self.train_items}, tested on the newest {self.test_items}.",
            f"  held-out log loss   {self.before.log_loss:.4f} -> {self.after.log_loss:.4f}",
            f"  held-out RMSE(bins) {self.before.rmse_bins:.4f} -> {self.after.rmse_bins:.4f}",
        ]
        if self.saved:
            lines.append(
                f"Saved new parameters for preset {self.preset!r} "
                f"({self.fit_seconds:.2f} s fitting)."
            )
        elif not self.improved:
            lines.append(
                "The parameters in use already predict the held-out reviews as well; kept them."
            )
        return "\n".join(lines + self.notes)


# --------------------------------------------------------------------------- items


def study_day_number(moment: datetime, hour: int, zone: tzinfo) -> int:
    """Ordinal of the learner's study day of `moment` (days roll over at `hour`)."""
    return (as_utc(moment).astimezone(zone) - timedelta(hours=hour)).date().toordinal()


def history_items(
    logs: Iterable[tuple[int, datetime | float, int, int]],
    *,
    hour: int = DEFAULT_DAY_START_HOUR,
    zone: tzinfo | None = None,
) -> list[TimedItem]:
    """Training items from (card_id, reviewed_at, rating, prev_state) rows, in any order;
    reviewed_at is an aware datetime or a Julian day number (as SQLite's julianday gives).

    A card's history starts at its last review as a new card (earlier reviews belong to
    a history that was reset); a card never seen new is left out."""
    # deferred: the Rust extension loads only to optimize
    from fsrs_rs_python import FSRSItem, FSRSReview

    zone = zone or local_zone()
    offset = zone.utcoffset(
        None
    )  # fixed-offset zones (what local_zone() gives); None for tz databases
    shift_days = None if offset is None else offset / timedelta(days=1) - hour / 24 + 0.5
    shift = None if offset is None else offset - timedelta(hours=hour)

    def day_of(moment: datetime | float) -> int:
        if isinstance(moment, float):
            if shift_days is not None:
                return math.floor(moment + shift_days)
            moment = from_julian(moment)
        if shift is not None:
            return (as_utc(moment) + shift).toordinal()
        return study_day_number(moment, hour, zone)

    by_card: dict[int, list[tuple[datetime | float, int, int]]] = {}
    for card_id, reviewed_at, rating, prev_state in logs:
        history = by_card.get(card_id)
        if history is None:
            history = by_card[card_id] = []
        history.append((reviewed_at, rating, prev_state))
    items: list[TimedItem] = []
    for card_id, history in by_card.items():
        history.sort(key=lambda h: h[0])
        start = len(history) - 1
        while start >= 0 and history[start][2] != STATE_NEW:
            start -= 1
        if start < 0:
            continue
        reviews = []
        last_day = None
        for reviewed_at, rating, _ in history[start:]:
            day = day_of(reviewed_at)
            delta_t = 0 if last_day is None else max(0, day - last_day)
            reviews.append(FSRSReview(int(rating), delta_t))
            if delta_t > 0:
                items.append(TimedItem(reviewed_at, card_id, FSRSItem(reviews)))
            last_day = day
    items.sort(key=lambda t: (t.at, t.card_id))
    return items


def time_series_split(
    items: Sequence[TimedItem], test_fraction: float = TEST_FRACTION
) -> tuple[list[TimedItem], list[TimedItem]]:
    """(train, test): the items predicting the newest reviews are held out."""
    cut = int(round(len(items) * (1 - test_fraction)))
    return list(items[:cut]), list(items[cut:])


def fit_parameters(
    items: Sequence[TimedItem], *, num_relearning_steps: int | None = None
) -> tuple[float, ...]:
    # deferred: the Rust extension loads only to optimize
    from fsrs_rs_python import FSRS

    fitted = FSRS(list(DEFAULT_PARAMETERS)).compute_parameters(
        [t.item for t in items], enable_short_term=True, num_relearning_steps=num_relearning_steps
    )
    return clamp_parameters(fitted)


def evaluate(parameters: Sequence[float], items: Sequence[TimedItem]) -> Evaluation:
    # deferred: the Rust extension loads only to optimize
    from fsrs_rs_python import FSRS

    result = FSRS(list(parameters)).evaluate([t.item for t in items])
    return Evaluation(float(result.log_loss), float(result.rmse_bins))


# --------------------------------------------------------------------------- use cases


def preset_decks(session: Session, preset_name: str) -> list[tuple[int, str]]:
    decks = session.execute(
        select(Deck.id, Deck.slug).where(Deck.retired.is_(False)).order_by(Deck.position)
    ).all()
    presets = load_presets(session, [slug for _, slug in decks])
    return [(i, slug) for i, slug in decks if presets[slug].name == preset_name]


def preset_names(database: Database, deck: str | None = None) -> list[str]:
    """The preset of `deck`, or every preset some live deck uses."""
    with database.unit_of_work() as session:
        slugs = list(
            session.scalars(
                select(Deck.slug).where(Deck.retired.is_(False)).order_by(Deck.position)
            )
        )
        if deck is not None:
            slugs = [resolve_deck(session, deck)]  # its slug or its title
        presets = load_presets(session, slugs)
        return sorted({presets[s].name for s in slugs})


def load_logs(session: Session, deck_ids: Sequence[int]) -> list[tuple[int, float, int, int]]:
    """(card_id, Julian day of the review, rating, prev_state) for every review in the decks.
    Plain SQL: a hundred thousand rows through the ORM's datetime handling take seconds."""
    deck_ids = list(deck_ids)
    if not deck_ids:
        return []
    raw = RawSql(session)
    marks = ",".join("?" * len(deck_ids))
    return raw.rows(
        f"SELECT l.card_id, {raw.dialect.julianday('l.reviewed_at')}, l.rating, l.prev_state"
        f" FROM review_logs l WHERE l.card_id IN (SELECT id FROM cards WHERE deck_id IN ({marks}))",
        deck_ids,
    )


@dataclass(frozen=True)
class _PresetHistory:
    """What a fit starts from: the preset's decks, the preset, the parameters in use, and
    every review of the decks' cards."""

    decks: list[tuple[int, str]]
    preset: Preset
    previous: tuple[float, ...]
    logs: list[tuple[int, float, int, int]]


def _preset_history(database: Database, preset_name: str) -> _PresetHistory:
    with database.unit_of_work() as session:
        decks = preset_decks(session, preset_name)
        if not decks:
            raise UserError(f"no deck uses the preset {preset_name!r}")
        presets = load_presets(session, [slug for _, slug in decks])
        fitted_before = load_parameters(session, preset_name)
        logs = load_logs(session, [i for i, _ in decks])
    previous = fitted_before.parameters if fitted_before else DEFAULT_PARAMETERS
    return _PresetHistory(decks, presets[decks[0][1]], tuple(previous), logs)


def _require_enough(preset_name: str, history: _PresetHistory, items: Sequence[TimedItem],
                    test: Sequence[TimedItem], min_reviews: int) -> None:
    if len(items) < min_reviews or len(test) < min(MIN_TEST_ITEMS, min_reviews):
        raise NotEnoughReviews(
            f"too few reviews to fit parameters for preset {preset_name!r}: {len(items)} reviews "
            f"on a later day than the card's previous review (from {len(history.logs)} review "
            f"logs); at least {min_reviews} are needed. Keep studying and try again later."
        )


def optimize_preset(
    database: Database,
    clock: Clock,
    preset_name: str,
    *,
    save: bool = True,
    force: bool = False,
    min_reviews: int = MIN_REVIEWS,
    day_start_hour: int = DEFAULT_DAY_START_HOUR,
    zone: tzinfo | None = None,
) -> OptimizeResult:
    """Fit parameters for every deck using the preset called `preset_name`: fit on the older
    reviews, compare with the parameters in use on the newest, then fit on all of them. The
    fit is saved when it predicts better (or `force`)."""
    started = time.perf_counter()
    history = _preset_history(database, preset_name)
    items = history_items(history.logs, hour=day_start_hour, zone=zone)
    train, test = time_series_split(items)
    _require_enough(preset_name, history, items, test, min_reviews)
    relearning = len(history.preset.relearning_steps)
    fit_started = time.perf_counter()
    trained = fit_parameters(train, num_relearning_steps=relearning)
    before = evaluate(history.previous, test)
    after = evaluate(trained, test)
    result = OptimizeResult(
        preset=preset_name, decks=[slug for _, slug in history.decks], reviews=len(history.logs),
        cards=len({t.card_id for t in items}), items=len(items), train_items=len(train),
        test_items=len(test), previous=history.previous,
        parameters=fit_parameters(items, num_relearning_steps=relearning),
        before=before, after=after, improved=after.log_loss < before.log_loss,
        fit_seconds=time.perf_counter() - fit_started,
    )
    if save and (result.improved or force):
        _save_fit(database, clock, result)
    result.seconds = time.perf_counter() - started
    return result


def _save_fit(database: Database, clock: Clock, result: OptimizeResult) -> None:
    with database.unit_of_work() as session:
        save_parameters(session, result.preset, FittedParameters(
            parameters=result.parameters,
            fitted_at=as_utc(clock.now()).isoformat(),
            reviews=result.items,
            metrics={"before": result.before.as_dict(), "after": result.after.as_dict(),
                     "test_items": result.test_items},
        ))
    result.saved = True


def _replayed(card_id: int, history: Sequence[Sequence[Any]], scheduler: fsrs.Scheduler,
              preset: Preset) -> dict[str, Any]:
    """The card's state after its reviews (from its last reset as new) replayed through
    `scheduler`, with the deterministic fuzz the live review gives."""
    card = fsrs.Card(card_id=card_id, state=fsrs.State.Learning, step=0, due=as_utc(history[0][1]))
    for _, reviewed_at, rating, _, _, _, _ in history:
        card, _ = scheduler.review_card(card, Rating(rating).to_fsrs(), as_utc(reviewed_at))
    last_at, last_reps = as_utc(history[-1][1]), history[-1][4]
    if preset.enable_fuzzing and card.state == fsrs.State.Review:
        days = round((card.due - last_at) / timedelta(days=1))
        seed = f"{card_id}:{last_reps}"
        fuzzed = fuzzed_interval_days(days, preset.maximum_interval, seed)
        card.due = last_at + timedelta(days=fuzzed)
    return {"card_id": card_id, "state": int(card.state), "step": card.step,
            "stability": card.stability, "difficulty": card.difficulty, "due": card.due,
            "last_review": card.last_review}


def reschedule_preset(database: Database, clock: Clock, preset_name: str) -> int:
    """Replay every studied card of the preset's decks through py-fsrs with the preset's
    current parameters, as if it had always been scheduled with them. Reps, lapses and the
    review logs are kept. Returns how many cards changed."""
    with database.unit_of_work() as session:
        decks = preset_decks(session, preset_name)
        if not decks:
            raise UserError(f"no deck uses the preset {preset_name!r}")
        presets = load_presets(session, [slug for _, slug in decks])
        fitted = load_parameters(session, preset_name)
        rows = session.execute(
            select(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.prev_state,
                   ReviewLog.prev_reps, Card.deck_id, Card.kind)
            .join(Card, Card.id == ReviewLog.card_id)
            .where(Card.deck_id.in_([i for i, _ in decks]))
            .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
        ).all()
        slug_of = dict(decks)
        schedulers: dict[tuple[str, bool], fsrs.Scheduler] = {}
        updates = []
        by_card: dict[int, list[Sequence[Any]]] = {}
        for row in rows:
            by_card.setdefault(row[0], []).append(row)
        for card_id, history in by_card.items():
            start = next(
                (i for i in range(len(history) - 1, -1, -1) if history[i][3] == STATE_NEW), None
            )
            if start is None:
                continue
            slug = slug_of[history[0][5]]
            preset = presets[slug]
            exercise = history[0][6] == "exercise"  # exercises keep their steps in days
            scheduler = schedulers.get((slug, exercise))
            if scheduler is None:
                scheduler = schedulers[(slug, exercise)] = preset.scheduler(
                    fitted.parameters if fitted else None, exercise=exercise)
            updates.append(_replayed(card_id, history[start:], scheduler, preset))
        if updates:
            session.execute(update(CardState), updates)
    return len(updates)
