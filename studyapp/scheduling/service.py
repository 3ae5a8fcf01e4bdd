"""Reviewing: the day's queue, ratings through py-fsrs, undo, leeches, streaks.

Every state transition goes through py-fsrs (`fsrs.Scheduler.review_card`). The queue
follows Anki: (re)learning cards due now first, then review cards due today (most
overdue relative to their interval first), then new cards up to the day's limit in the
content's order, then learning cards due within the learn-ahead window. Siblings (cards
of one note) are not shown on a day another card of the note was studied, and a deck's
new cards wait until the decks (and, for exercises, the cards) they require have been
studied.

Imports no UI code and no torch.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import pairwise
from typing import TYPE_CHECKING, Any, cast

import fsrs
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from studyapp.clock import Clock, as_utc
from studyapp.errors import UserError
from studyapp.jsontypes import JsonObject, JsonValue
from studyapp.scheduling.custom import extra_new_today, raise_new_limit
from studyapp.scheduling.days import (
    current_streak,
    day_start,
    local_zone,
    next_day_start,
    read_day_start_hour,
    study_day,
    study_day_bounds,
)
from studyapp.scheduling.deck_tree import tree_order, with_subdecks  # noqa: F401 (re-exported)
from studyapp.scheduling.exercises import variant_seed
from studyapp.scheduling.prerequisites import Lock, load_prerequisite_settings, locks
from studyapp.scheduling.presets import (
    DEFAULT_PARAMETERS,
    Preset,
    load_all_parameters,
    load_parameters,
    load_preset,
    load_presets,
)
from studyapp.scheduling.queue import (
    DeckInfo,
    Entry,
    Fingerprint,
    Plan,
    QueueCache,
    _Snapshot,
    load_items,
    plan_queue,
)
from studyapp.scheduling.rating import Rating
from studyapp.scheduling.transition import (
    ReviewLogValues,
    StoredState,
    predicted_retrievability,
    review_log_values,
    state_after,
    to_fsrs_card,
)
from studyapp.storage.db import Database
from studyapp.storage.models import (
    STATE_NAMES,
    STATE_NEW,
    STATE_REVIEW,
    Card,
    CardState,
    Deck,
    ReviewLog,
)
from studyapp.storage.queries import deck_and_subdecks, resolve_deck
from studyapp.vocabulary import KIND_EXERCISE, LEECH_TAG

LEARN_AHEAD = timedelta(minutes=20)  # Anki's default "learn ahead limit"
RATINGS = tuple(rating.value for rating in Rating)
SOURCES = ("manual", "grader")
if TYPE_CHECKING:
    _AnyRow = Row[*tuple[Any, ...]]  # a result row of any width

# The tables the review path writes with Core statements (one round trip each, no ORM load)
_CARDS = cast(Table, Card.__table__)
_CARD_STATES = cast(Table, CardState.__table__)
_REVIEW_LOGS = cast(Table, ReviewLog.__table__)



# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class QueueCounts:
    """What the queue will show today for one deck, limits applied."""

    slug: str
    title: str
    new: int
    learning: int
    review: int
    # why the deck's new cards wait (None: they do not); see prerequisites.py
    lock: Lock | None = None
    parent: str | None = None  # the parent deck's slug (Anki's Parent::Child)
    depth: int = 0  # 0 for a top-level deck

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review

    @property
    def locked(self) -> bool:
        return self.lock is not None

    def as_dict(self) -> JsonObject:
        data: JsonObject = {**asdict(self), "total": self.total}
        data["lock"] = self.lock.as_dict() if self.lock else None
        return data


@dataclass(frozen=True)
class QueueItem:
    card_id: int
    content_id: str
    kind: str  # basic | cloze | choice | exercise
    front: str
    back: str
    extra: dict[str, Any]
    deck: str  # deck slug
    state: str  # new | learning | review | relearning
    note_id: str = ""
    tags: tuple[str, ...] = ()
    due: datetime | None = None
    queue: str = ""  # learning | review | new: why it is in today's queue
    reps: int = 0
    lapses: int = 0
    # exercises only: seed for the generator's fresh variant for this review
    variant_seed: int | None = None

    @classmethod
    def build(cls, *, card_id: int, content_id: str, kind: str, front: str, back: str,
              extra: Mapping[str, JsonValue] | None, deck: str, state: int, note_id: str,
              tags: tuple[str, ...], due: datetime | None, reps: int | None,
              lapses: int | None, queue: str = "") -> QueueItem:
        """The one way to make a QueueItem from a stored card: `state` is the stored number,
        and an exercise gets the seed of its variant for this review."""
        reps = reps or 0
        return cls(
            card_id=card_id, content_id=content_id, kind=kind, front=front, back=back,
            extra=dict(extra or {}), deck=deck, state=STATE_NAMES.get(state, "new"),
            note_id=note_id, tags=tags, due=due, queue=queue, reps=reps, lapses=lapses or 0,
            variant_seed=variant_seed(card_id, reps) if kind == KIND_EXERCISE else None,
        )


@dataclass(frozen=True)
class ReviewResult:
    log_id: int
    card_id: int
    rating: int
    state: str  # the card's state after the review
    due: datetime
    interval: timedelta  # due - review time
    leech: bool  # this review made the card a leech (tagged; suspended if the preset says so)
    suspended: bool
    stability: float | None
    difficulty: float | None
    retrievability: float | None  # what FSRS predicted just before the review (None for a new card)
    reviewed_at: datetime


@dataclass(frozen=True)
class UndoResult:
    log_id: int  # the deleted log
    card_id: int
    rating: int  # the rating that was undone
    state: str  # the restored state
    due: datetime | None  # the restored due


# --------------------------------------------------------------------------- helpers


def fuzzed_interval_days(interval_days: int, maximum_interval: int, seed: str) -> int:
    """py-fsrs's fuzz ranges (the same as Anki's), drawn from a generator seeded by the card
    and its review count instead of the global one: the same review always gets the same
    interval, so the preview on a button is exactly what pressing it gives."""
    if interval_days < 2.5:
        return interval_days
    delta = 1.0
    for fuzz_range in fsrs.scheduler.FUZZ_RANGES:
        delta += fuzz_range["factor"] * max(
            min(float(interval_days), fuzz_range["end"]) - fuzz_range["start"], 0.0
        )
    low = max(2, round(interval_days - delta))
    high = min(round(interval_days + delta), maximum_interval)
    low = min(low, high)
    return random.Random(seed).randint(low, high)


class _StateRow:
    """A card's stored scheduling state, read with plain SQL (what to_fsrs_card needs)."""

    __slots__ = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")

    def __init__(self, row: _AnyRow) -> None:
        self.state = STATE_NEW if row.state is None else row.state
        self.step = row.step
        self.stability = row.stability
        self.difficulty = row.difficulty
        self.due = row.due
        self.last_review = row.last_review
        self.reps = row.reps or 0
        self.lapses = row.lapses or 0


def is_leech_review(prev_state: int, rating: int, lapses_after: int, threshold: int) -> bool:
    """Anki's rule: a lapse that brings the lapse count to the threshold, and then every
    half-threshold more lapses, marks the card a leech."""
    if prev_state != STATE_REVIEW or rating != 1 or lapses_after < threshold:
        return False
    return (lapses_after - threshold) % max(1, threshold // 2) == 0


def _checked_rating(rating: int, source: str) -> int:
    """The rating's plain value (a Rating is stored as its number), or a UserError."""
    if rating not in RATINGS:
        raise UserError(f"a rating is 1 (again), 2 (hard), 3 (good) or 4 (easy), got {rating!r}")
    if source not in SOURCES:
        raise UserError(f"review source must be one of {', '.join(SOURCES)}, got {source!r}")
    return int(rating)


def _insert_log(conn: Connection, card_id: int, values: ReviewLogValues) -> int:
    """Write one review log; its id."""
    statement = insert(_REVIEW_LOGS).values(card_id=card_id, **values)
    inserted = conn.execute(statement).inserted_primary_key
    assert inserted is not None  # an INSERT of one row
    return int(inserted[0])


def _mark_leech(conn: Connection, card_id: int, row: _AnyRow, suspend: bool,
                now: datetime) -> tuple[bool, bool]:
    """Tag the card a leech (once) and suspend it when the preset says so: (tag added,
    suspended now), what undo takes back."""
    tags = (row.tags or "").split()
    tag_added = LEECH_TAG not in tags
    suspended_now = suspend and not row.suspended
    conn.execute(update(_CARDS).where(Card.id == card_id).values(
        tags=" ".join([*tags, LEECH_TAG]) if tag_added else row.tags,
        suspended=bool(row.suspended) or suspended_now,
        updated_at=now,
    ))
    return tag_added, suspended_now


class ReviewService:
    """The scheduling use cases the TUI and the CLI share. Each public call is one unit of
    work. Kept between calls: py-fsrs schedulers per preset, the leech actions of this
    session's reviews (so undo reverts them exactly), and a snapshot of what the queue is
    built from (see queue.QueueCache: trusted only while no one else has written)."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        *,
        day_start_hour: int | None = None,
        zone: tzinfo | None = None,
        learn_ahead: timedelta = LEARN_AHEAD,
    ) -> None:
        self.database = database
        self.clock = clock
        self.zone = zone or local_zone()
        self.learn_ahead = learn_ahead
        if day_start_hour is None:
            with database.unit_of_work() as session:
                day_start_hour = read_day_start_hour(session)
        if not 0 <= day_start_hour <= 23:
            raise UserError(f"day_start_hour must be between 0 and 23, got {day_start_hour}")
        self.day_start_hour = day_start_hour
        self._schedulers: dict[tuple[Preset, tuple[float, ...], bool], fsrs.Scheduler] = {}
        # (log id, card id, reviewed at) -> (leech tag added, suspended) for this session's reviews
        self._leech_actions: dict[tuple[int, int, datetime], tuple[bool, bool]] = {}
        self._cache = QueueCache()

    # ------------------------------------------------------------------ days

    def now(self) -> datetime:
        return as_utc(self.clock.now())

    def today_start(self, now: datetime | None = None) -> datetime:
        return day_start(now or self.now(), hour=self.day_start_hour, zone=self.zone)

    def today_end(self, now: datetime | None = None) -> datetime:
        return next_day_start(now or self.now(), hour=self.day_start_hour, zone=self.zone)

    # ------------------------------------------------------------------ queue

    def counts(self, deck: str | None = None, *, ignore_prerequisites: bool = False,
               with_locks: bool = False) -> list[QueueCounts]:
        """Per live deck (or just `deck`): what today's queue holds, limits applied.
        learning counts every (re)learning card due before the day ends. `with_locks` also
        says why a deck's new cards wait for its prerequisites (`lock`): one more pass over
        the cards, so the review screen's counter (called after every rating) goes without."""
        now = self.now()
        with self.database.unit_of_work() as session:
            plan, all_decks, scope = self._plan(
                session, now, deck, ignore_prerequisites=ignore_prerequisites
            )
            held = {} if ignore_prerequisites or not with_locks else locks(
                session, all_decks.values(), load_prerequisite_settings(session))
            parents = {
                deck_id: parent
                for deck_id, parent in session.execute(select(Deck.id, Deck.parent_id))
            }
        rows = []
        for deck_id, depth in tree_order(list(scope), parents):
            d = scope[deck_id]
            parent_id = parents.get(deck_id)
            parent = (
                all_decks.get(parent_id) if parent_id is not None and parent_id in scope else None
            )
            rows.append(
                QueueCounts(
                    d.slug,
                    d.title,
                    plan.new[d.id],
                    plan.learning_today[d.id],
                    plan.reviews[d.id],
                    held.get(d.slug),
                    parent=parent.slug if parent else None,
                    depth=depth,
                )
            )
        return rows

    def queue(
        self, deck: str | None = None, *, ignore_prerequisites: bool = False
    ) -> list[QueueItem]:
        """The whole queue for now, in the order next_card would give it."""
        now = self.now()
        with self.database.unit_of_work() as session:
            plan, all_decks, scope = self._plan(
                session, now, deck, ignore_prerequisites=ignore_prerequisites
            )
            return self._items(session, plan, plan.entries, all_decks)

    def next_card(
        self, deck: str | None = None, *, ignore_prerequisites: bool = False
    ) -> QueueItem | None:
        """The next card of today's queue; `ignore_prerequisites` studies `deck`'s new cards
        even while its prerequisites are not done (custom study: "study it anyway")."""
        now = self.now()
        with self.database.unit_of_work() as session:
            plan, all_decks, scope = self._plan(
                session, now, deck, ignore_prerequisites=ignore_prerequisites
            )
            if not plan.entries:
                return None
            return self._items(session, plan, plan.entries[:1], all_decks)[0]

    def due_ahead(self, days: int = 7, deck: str | None = None) -> list[tuple[datetime, int]]:
        """(day start, studied cards falling due that day) for each of the `days` study days
        after today (new cards are not counted: they come by the daily limit)."""
        now = self.now()
        starts = [self.today_end(now)]
        for _ in range(days):
            starts.append(self.today_end(starts[-1]))
        with self.database.unit_of_work() as session:
            statement = (
                select(CardState.due)
                .join(Card, Card.id == CardState.card_id)
                .join(Deck, Deck.id == Card.deck_id)
                .where(
                    CardState.state != STATE_NEW,
                    Card.suspended.is_(False),
                    Card.retired.is_(False),
                    Deck.retired.is_(False),
                    CardState.due >= starts[0],
                    CardState.due < starts[-1],
                )
            )
            if deck is not None:
                statement = statement.where(Deck.slug == resolve_deck(session, deck))
            dues = [as_utc(d) for d in session.scalars(statement) if d is not None]  # all have one
        return [
            (start, sum(1 for d in dues if start <= d < end)) for start, end in pairwise(starts)
        ]

    def resolve_deck(self, name: str) -> str:
        """A deck's slug from its slug or its title (any case), as the learner typed it."""
        with self.database.unit_of_work() as session:
            return resolve_deck(session, name)

    # ------------------------------------------------------------------ reviewing

    def preview(self, card_id: int) -> dict[int, timedelta]:
        """Rating -> the interval that rating would give now (what Anki shows on its buttons)."""
        now = self.now()
        with self.database.unit_of_work() as session:
            key = QueueCache.fingerprint(session)
            row = self._read_card(session, card_id)
            preset, scheduler = self._scheduler_for_deck_id(session, key, now, row.deck_id,
                                                            exercise=row.kind == KIND_EXERCISE)
            state = _StateRow(row)
            return {
                rating: self._transition(scheduler, preset, card_id, state, rating, now)[0].due
                - now
                for rating in RATINGS
            }

    def review(
        self, card_id: int, rating: int, *, duration_ms: int = 0, source: str = "manual"
    ) -> ReviewResult:
        """Rate a card: the new state and the log are committed in one transaction."""
        rating = _checked_rating(rating, source)
        now = self.now()
        with self.database.unit_of_work() as session:
            key_before = QueueCache.fingerprint(session)
            conn = session.connection()
            row = self._read_card(session, card_id)
            if row.retired:
                raise UserError(f"card {row.content_id!r} is retired and cannot be reviewed")
            deck_id = row.deck_id
            if row.card_id is None:  # a card without a state row: never reviewed
                conn.execute(
                    insert(_CARD_STATES).values(card_id=card_id, state=STATE_NEW, reps=0, lapses=0)
                )
            state = _StateRow(row)
            preset, scheduler = self._scheduler_for_deck_id(session, key_before, now, deck_id,
                                                            exercise=row.kind == KIND_EXERCISE)
            after, retrievability = self._transition(scheduler, preset, card_id, state, rating, now)
            prev_state = state.state
            log_values = review_log_values(state, after, rating=rating, reviewed_at=now,
                                           duration_ms=duration_ms, source=source,
                                           retrievability=retrievability)
            log_id = _insert_log(conn, card_id, log_values)
            new_state = state_after(state, after, rating)
            lapses = new_state["lapses"]
            conn.execute(
                update(_CARD_STATES).where(CardState.card_id == card_id).values(**new_state)
            )
            leech = is_leech_review(prev_state, rating, lapses, preset.leech_threshold)
            tag_added = suspended_now = False
            suspended = bool(row.suspended)
            if leech:
                tag_added, suspended_now = _mark_leech(
                    conn, card_id, row, preset.leech_suspend, now
                )
                suspended = suspended or suspended_now
            key_after = QueueCache.fingerprint(session)
        self._cache.wrote(key_before, key_after, card_id, deck_id)
        if tag_added or suspended_now:
            self._leech_actions[(log_id, card_id, now)] = (tag_added, suspended_now)
        return ReviewResult(
            log_id=log_id,
            card_id=card_id,
            rating=rating,
            state=STATE_NAMES[int(after.state)],
            due=after.due,
            interval=after.due - now,
            leech=leech,
            suspended=suspended,
            stability=after.stability,
            difficulty=after.difficulty,
            retrievability=retrievability,
            reviewed_at=now,
        )

    def undo(self) -> UndoResult | None:
        """Undo the newest review of the current study day that is still there: the card's
        state is restored exactly (from the log's prev_* columns), the log is deleted, and a
        leech mark or suspension the review caused is taken back. Call again for more levels."""
        now = self.now()
        with self.database.unit_of_work() as session:
            log = session.scalars(
                select(ReviewLog)
                .where(ReviewLog.reviewed_at >= self.today_start(now))
                .order_by(ReviewLog.id.desc())
                .limit(1)
            ).first()
            if log is None:
                return None
            card, state, slug = self._load_card(session, log.card_id)
            state.state = log.prev_state
            state.step = log.prev_step
            state.stability = log.prev_stability
            state.difficulty = log.prev_difficulty
            state.due = log.prev_due
            state.last_review = log.prev_last_review
            state.reps = log.prev_reps
            state.lapses = log.prev_lapses
            actions = self._leech_actions.pop((log.id, log.card_id, log.reviewed_at), None)
            if actions is None:  # reviewed by another session: work out what the review did
                preset = load_preset(session, slug)
                if is_leech_review(
                    log.prev_state, log.rating, log.prev_lapses + 1, preset.leech_threshold
                ):
                    actions = (log.prev_lapses < preset.leech_threshold, preset.leech_suspend)
                else:
                    actions = (False, False)
            tag_added, suspended = actions
            if tag_added:
                card.tags = " ".join(t for t in card.tag_list if t != LEECH_TAG)
            if suspended:
                card.suspended = False
            if tag_added or suspended:
                card.updated_at = now
            result = UndoResult(
                log.id, log.card_id, log.rating, STATE_NAMES[log.prev_state], log.prev_due
            )
            session.delete(log)
        self._cache.clear()
        return result

    def suspend(self, card_id: int) -> None:
        self._set_suspended(card_id, True)

    def unsuspend(self, card_id: int) -> None:
        self._set_suspended(card_id, False)

    def _set_suspended(self, card_id: int, value: bool) -> None:
        with self.database.unit_of_work() as session:
            card = session.get(Card, card_id)
            if card is None:
                raise UserError(f"no card with id {card_id}")
            if card.suspended != value:
                card.suspended = value
                card.updated_at = self.now()
        self._cache.clear()

    # ------------------------------------------------------------------ stats

    def reviews_today(self) -> int:
        now = self.now()
        with self.database.unit_of_work() as session:
            return (
                session.scalar(
                    select(func.count(ReviewLog.id)).where(
                        ReviewLog.reviewed_at >= self.today_start(now),
                        ReviewLog.reviewed_at < self.today_end(now),
                    )
                )
                or 0
            )

    def streak(self) -> int:
        """Consecutive study days with at least one review (see days.current_streak)."""
        hour, zone = self.day_start_hour, self.zone
        today = date.fromisoformat(study_day(self.now(), hour=hour, zone=zone))
        with self.database.unit_of_work() as session:
            def studied(day: date) -> bool:
                lo, hi = study_day_bounds(day, hour=hour, zone=zone)
                return (
                    session.scalars(
                        select(ReviewLog.id)
                        .where(ReviewLog.reviewed_at >= lo, ReviewLog.reviewed_at < hi)
                        .limit(1)
                    ).first()
                    is not None
                )

            return current_streak(studied, today)

    # ------------------------------------------------------------------ helpers

    def scheduler_for_deck(self, deck_slug: str) -> fsrs.Scheduler:
        with self.database.unit_of_work() as session:
            return self._scheduler_for(session, deck_slug)[1]

    def _scheduler_for(self, session: Session, deck_slug: str) -> tuple[Preset, fsrs.Scheduler]:
        preset = load_preset(session, deck_slug)
        fitted = load_parameters(session, preset.name)
        return preset, self._scheduler(preset, fitted.parameters if fitted else DEFAULT_PARAMETERS)

    def _scheduler_for_deck_id(
        self,
        session: Session,
        key: Fingerprint | None,
        now: datetime,
        deck_id: int,
        *,
        exercise: bool = False,
    ) -> tuple[Preset, fsrs.Scheduler]:
        """The deck's preset and scheduler (an exercise's: with the preset's exercise steps),
        from the queue snapshot when nothing was written since."""
        snap = self._cache.current(key, self.today_start(now))
        if snap is not None and deck_id in snap.decks and snap.parameters is not None:
            preset = snap.decks[deck_id].preset
            parameters = snap.parameters.get(preset.name, DEFAULT_PARAMETERS)
            return preset, self._scheduler(preset, parameters, exercise)
        slug = session.scalar(select(Deck.slug).where(Deck.id == deck_id))
        assert slug is not None  # the card's own deck
        preset = load_preset(session, slug)
        fitted = load_parameters(session, preset.name)
        return preset, self._scheduler(
            preset, fitted.parameters if fitted else DEFAULT_PARAMETERS, exercise
        )

    def _scheduler(
        self, preset: Preset, parameters: Sequence[float], exercise: bool = False
    ) -> fsrs.Scheduler:
        key = (preset, tuple(parameters), exercise)
        scheduler = self._schedulers.get(key)
        if scheduler is None:
            scheduler = self._schedulers[key] = preset.scheduler(parameters, exercise=exercise)
        return scheduler

    def _transition(
        self,
        scheduler: fsrs.Scheduler,
        preset: Preset,
        card_id: int,
        state: StoredState,
        rating: int,
        now: datetime,
    ) -> tuple[fsrs.Card, float | None]:
        """py-fsrs's review of the card, with studyapp's deterministic fuzz on review intervals."""
        before = to_fsrs_card(card_id, state, now)
        after, _ = scheduler.review_card(before, Rating(rating).to_fsrs(), now)
        if preset.enable_fuzzing and after.state == fsrs.State.Review:
            days = round((after.due - now) / timedelta(days=1))
            fuzzed = fuzzed_interval_days(
                days, preset.maximum_interval, f"{card_id}:{state.reps or 0}"
            )
            after.due = now + timedelta(days=fuzzed)
        retrievability = predicted_retrievability(scheduler, state, before, now)
        return after, retrievability

    def _read_card(self, session: Session, card_id: int) -> _AnyRow:
        """The card's deck, flags and scheduling state in one plain query."""
        row = (
            session.connection()
            .execute(
                select(
                    Card.deck_id,
                    Card.content_id,
                    Card.kind,
                    Card.retired,
                    Card.suspended,
                    Card.tags,
                    CardState.card_id,
                    CardState.state,
                    CardState.step,
                    CardState.stability,
                    CardState.difficulty,
                    CardState.due,
                    CardState.last_review,
                    CardState.reps,
                    CardState.lapses,
                )
                .join(CardState, CardState.card_id == Card.id, isouter=True)
                .where(Card.id == card_id)
            )
            .one_or_none()
        )
        if row is None:
            raise UserError(f"no card with id {card_id}")
        return row

    def _load_card(self, session: Session, card_id: int) -> tuple[Card, CardState, str]:
        row = session.execute(
            select(Card, CardState, Deck.slug)
            .join(CardState, CardState.card_id == Card.id, isouter=True)
            .join(Deck, Deck.id == Card.deck_id)
            .where(Card.id == card_id)
        ).first()
        if row is None:
            raise UserError(f"no card with id {card_id}")
        card, state, slug = row
        if state is None:
            state = CardState(card_id=card_id, state=STATE_NEW, reps=0, lapses=0)
            session.add(state)
        return card, state, slug

    def _load_decks(self, session: Session) -> dict[int, DeckInfo]:
        rows = session.execute(
            select(Deck.id, Deck.slug, Deck.title, Deck.position, Deck.requires)
            .where(Deck.retired.is_(False))
            .order_by(Deck.position, Deck.slug)
        ).all()
        presets = load_presets(session)
        ordering = load_prerequisite_settings(session)
        return {
            i: DeckInfo(
                i,
                slug,
                title,
                position,
                list(requires or []),
                presets.get(slug) or Preset(),
                ordering.applies_to(slug),
            )
            for i, slug, title, position, requires in rows
        }

    # ------------------------------------------------------------------ the plan

    def _plan(
        self,
        session: Session,
        now: datetime,
        only: str | None,
        *,
        ignore_prerequisites: bool = False,
    ) -> tuple[Plan, dict[int, DeckInfo], dict[int, DeckInfo]]:
        snap = self._cache.snapshot(
            session, self.today_start(now), lambda: self._load_decks(session)
        )
        if snap.parameters is None:
            snap.parameters = load_all_parameters(session)
        decks = snap.decks
        scope = decks
        if only is not None:
            scope = {i: d for i, d in decks.items() if d.slug == only}
            if not scope:
                slug = resolve_deck(session, only)  # a title, or a slug in another case
                scope = {i: d for i, d in decks.items() if d.slug == slug}
            if not scope:
                raise UserError(f"no deck {only!r} (see `studyapp decks`)")
            (deck_id,) = scope
            # studying a deck studies its subdecks (Anki's Parent::Child)
            scope = {i: decks[i] for i in deck_and_subdecks(session, deck_id) if i in decks}
        plan = plan_queue(
            session,
            snap,
            now=now,
            today_start=self.today_start(now),
            today_end=self.today_end(now),
            learn_ahead=self.learn_ahead,
            scope=scope,
            unlocked=frozenset(scope) if ignore_prerequisites else frozenset(),
            extra_new=self._extra_new(session, snap, now),
        )
        return plan, decks, scope

    def _extra_new(self, session: Session, snap: _Snapshot, now: datetime) -> dict[int, int]:
        """Today's raised new limits (custom study), read once per snapshot: raising one
        writes a setting, which renews the snapshot."""
        extra = snap.extra_new
        if extra is None:
            extra = snap.extra_new = extra_new_today(session, self.today_start(now), snap.decks)
        return extra

    def raise_new_limit(self, deck: str, extra: int) -> int:
        """Custom study: `extra` more new cards in `deck` today. Returns today's total raise."""
        with self.database.unit_of_work() as session:
            slug = resolve_deck(session, deck)
            total = raise_new_limit(session, self.today_start(), slug, extra)
        self._cache.clear()
        return total

    def _items(
        self, session: Session, plan: Plan, entries: list[Entry], decks: dict[int, DeckInfo]
    ) -> list[QueueItem]:
        items = []
        for entry, row in zip(entries, load_items(session, plan.snapshot, entries), strict=True):
            items.append(QueueItem.build(
                card_id=row.card_id, content_id=row.content_id, kind=row.kind, front=row.front,
                back=row.back, extra=row.extra, deck=decks[row.deck_id].slug, state=row.state,
                note_id=row.note_id, tags=row.tags, due=row.due, reps=row.reps, lapses=row.lapses,
                queue="learning" if entry.queue == "ahead" else entry.queue,
            ))
        return items
