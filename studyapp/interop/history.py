"""Bring an Anki review history across so each card's schedule continues where Anki left it.

Anki's FSRS, as Anki computes it (rslib/src/scheduler/fsrs/params.rs, `reviews_for_fsrs`):
- elapsed days are counted in the collection's days: the number of day changes (at the
  rollover hour, 4 am by default, in the collection's time zone) between two reviews,
  not 24-hour periods;
- the memory state comes from the reviews since the last reset: a "Forget" revlog row
  (manual, ease factor 0), or the start of the last run of learning steps;
- manual rows (Set due date, reschedule) and cramming rows carry no rating and change no
  memory state; Set due date moves the due date.
The memory states come from fsrs-rs (the FSRS implementation Anki itself runs) with the
package's own parameters. The card's final state is Anki's own (stored stability and
difficulty, due date, queue) unless the learner reviewed the card in studyapp after its
last Anki review: then the merged history decides.

Each review becomes a ReviewLog holding the state before (prev_*) and after, exactly as a
review made in studyapp would. Importing again merges by time: Anki reviews not yet
here are put in their place among the logs, which are rebuilt in order, losing none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.storage.models import (
    STATE_LEARNING,
    STATE_NEW,
    STATE_RELEARNING,
    STATE_REVIEW,
    Card,
    CardState,
    ReviewLog,
)

HISTORY_SOURCE = "anki"
# revlog.type
KIND_LEARNING, KIND_REVIEW, KIND_RELEARNING, KIND_FILTERED, KIND_MANUAL, KIND_RESCHEDULED = range(6)
DAY = 86400


@dataclass(frozen=True, slots=True)
class PastReview:
    reviewed_at: datetime  # aware UTC
    rating: int  # 1-4; 0 for a manual row (Forget, Set due date, reschedule)
    duration_ms: int
    kind: int = KIND_REVIEW  # revlog.type
    interval: int = 0  # revlog.ivl: days when positive, seconds when negative
    factor: int = 0  # revlog.factor: 0 on a Forget row and on cramming

    @property
    def graded(self) -> bool:
        return self.rating in (1, 2, 3, 4) and not self.is_cramming

    @property
    def is_reset(self) -> bool:
        return self.kind == KIND_MANUAL and self.factor == 0

    @property
    def is_cramming(self) -> bool:
        return self.kind == KIND_FILTERED and self.factor == 0

    @property
    def sets_due(self) -> bool:
        return self.rating == 0 and self.kind in (KIND_MANUAL, KIND_RESCHEDULED) and not self.is_reset


@dataclass(frozen=True)
class AnkiDays:
    """The collection's day boundaries: `phase` seconds after UTC midnight."""

    phase: int

    def number(self, moment: datetime) -> int:
        """The day number of an aware moment."""
        return int((moment.timestamp() - self.phase) // DAY)

    def start(self, moment: datetime) -> datetime:
        return datetime.fromtimestamp(self.number(moment) * DAY + self.phase, UTC)

    def elapsed(self, earlier: datetime, later: datetime) -> int:
        return max(0, self.number(later) - self.number(earlier))


@lru_cache(maxsize=8)
def _fsrs(parameters: tuple[float, ...]):
    # deferred here and below: the Rust FSRS extension is needed only to replay a history
    from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

    return FSRS(list(parameters) if len(parameters) in (17, 19, 21) else list(DEFAULT_PARAMETERS))


@lru_cache(maxsize=8)
def _decay(parameters: tuple[float, ...]) -> float:
    from fsrs_rs_python import DEFAULT_PARAMETERS  # deferred: see _fsrs

    if len(parameters) == 21:
        return parameters[20]
    return DEFAULT_PARAMETERS[20] if not parameters else 0.5  # FSRS-4.5/5 used a fixed 0.5


def retrievability(parameters: tuple[float, ...], stability: float, days: int) -> float:
    """FSRS's recall probability after `days` days at `stability` (FSRS-6's power curve)."""
    decay = _decay(parameters)
    factor = 0.9 ** (1 / -decay) - 1
    return (1 + factor * days / stability) ** -decay


def memory_states(events: Sequence[PastReview], days: AnkiDays, parameters: tuple[float, ...]):
    """(stability, difficulty) after each graded event (None for the others), computed as
    Anki does: restarting at each reset and at each new run of learning steps."""
    from fsrs_rs_python import FSRSItem, FSRSReview  # deferred: see _fsrs

    model = _fsrs(tuple(parameters))
    result: list[tuple[float, float] | None] = [None] * len(events)
    segment: list[int] = []

    def flush() -> None:
        if not segment:
            return
        reviews, previous = [], None
        for index in segment:
            moment = events[index].reviewed_at
            delta = 0 if previous is None else days.elapsed(previous, moment)
            reviews.append(FSRSReview(events[index].rating, delta))
            previous = moment
        for index, state in zip(segment, model.historical_memory_states(FSRSItem(reviews)), strict=True):
            result[index] = (float(state.stability), float(state.difficulty))
        segment.clear()

    last_kind = None
    for index, event in enumerate(events):
        if event.is_reset:
            flush()
            last_kind = None
            continue
        if not event.graded:
            continue
        if event.kind == KIND_LEARNING and last_kind not in (None, KIND_LEARNING):
            flush()  # learning again after reviews: Anki starts from this run of steps
        segment.append(index)
        last_kind = event.kind
    flush()
    return result


@dataclass(slots=True)
class _Event:
    review: PastReview
    source: str
    state: int | None = None  # a studyapp log's recorded state and due after it
    due: datetime | None = None


def existing_logs(session: Session, card_ids: Sequence[int]) -> dict[int, list[ReviewLog]]:
    """The cards' review logs, oldest first, in a few queries (not one per card)."""
    found: dict[int, list[ReviewLog]] = {}
    ids = sorted(set(card_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        query = (select(ReviewLog).where(ReviewLog.card_id.in_(chunk))
                 .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id))
        for log in session.scalars(query):
            found.setdefault(log.card_id, []).append(log)
    return found


def _merged_events(incoming: Sequence[PastReview], existing: Sequence[ReviewLog]) -> list[_Event]:
    """Anki's rows and the card's logs in time order (an Anki review first on a tie); a log
    of an Anki review that `incoming` holds again is left for the incoming row."""
    incoming_keys = {(r.reviewed_at, r.rating) for r in incoming}
    events = [_Event(r, HISTORY_SOURCE) for r in incoming]
    for log in existing:  # the learner's own reviews, and Anki reviews of an older package
        key = (as_utc(log.reviewed_at), log.rating)
        if log.source == HISTORY_SOURCE and key in incoming_keys:
            continue
        events.append(_Event(PastReview(key[0], log.rating, log.duration_ms), log.source, log.state,
                             as_utc(log.due) if log.due else None))
    events.sort(key=lambda e: (e.review.reviewed_at, e.source != HISTORY_SOURCE))
    return events


def merge_history(session: Session, card: Card, reviews: Sequence[PastReview], *, days: AnkiDays,
                  parameters: tuple[float, ...], final=None, existing: Sequence[ReviewLog] = (),
                  new_logs: list[dict] | None = None) -> int:
    """Merge Anki's `reviews` (with manual rows) into the card's logs (`existing`, oldest
    first) and rebuild its state; `final` is Anki's own schedule of the card
    (AnkiSchedule) or None. The new logs' rows are appended to `new_logs` for one bulk
    insert (or added to the session when it is None). Returns how many Anki reviews were
    new here. Nothing changes when none is new and the state already matches."""
    have = {(as_utc(log.reviewed_at), log.rating) for log in existing if log.source == HISTORY_SOURCE}
    incoming = sorted(reviews, key=lambda r: r.reviewed_at)
    new = [r for r in incoming if r.graded and (r.reviewed_at, r.rating) not in have]
    state = card.state
    if state is None:
        state = card.state = CardState(state=STATE_NEW, reps=0, lapses=0)
    latest_here = max((as_utc(log.reviewed_at) for log in existing if log.source != HISTORY_SOURCE), default=None)
    latest_anki = max((r.reviewed_at for r in incoming), default=None)
    anki_last = latest_here is None or (latest_anki is not None and latest_anki >= latest_here)
    if not new:
        if anki_last and final is not None and (incoming or _stands_alone(final)):
            _apply_final(state, final, days, parameters, incoming)
        return 0

    events = _merged_events(incoming, existing)
    for log in existing:
        session.delete(log)
    if existing:
        session.flush()

    memory = memory_states([e.review for e in events], days, parameters)
    stored, replay = state, _State()  # replay on a plain object: ORM attribute sets are slow
    for event, after in zip(events, memory, strict=True):
        review = event.review
        if review.is_reset:
            replay.state, replay.step, replay.stability, replay.difficulty = STATE_NEW, None, None, None
            replay.due = None
            continue
        if review.sets_due:
            if replay.state != STATE_NEW and review.interval > 0:
                replay.due = days.start(review.reviewed_at) + timedelta(days=review.interval)
            continue
        if after is None:
            continue
        row = _log(card, replay, event, after, days, parameters)
        if new_logs is None:
            session.add(ReviewLog(**row))
        else:
            new_logs.append(row)
    if anki_last and final is not None:
        _apply_final(replay, final, days, parameters, incoming)
    for column in _State.__slots__:  # one set per column on the ORM object
        setattr(stored, column, getattr(replay, column))
    return len(new)


class _State:
    """A card_states row while a history is replayed."""

    __slots__ = ("state", "step", "stability", "difficulty", "due", "last_review", "reps", "lapses")

    def __init__(self) -> None:
        self.state: int = STATE_NEW
        self.step: int | None = None
        self.stability: float | None = None
        self.difficulty: float | None = None
        self.due: datetime | None = None
        self.last_review: datetime | None = None
        self.reps, self.lapses = 0, 0


def _log(card: Card, state: _State | CardState, event: _Event, after: tuple[float, float], days: AnkiDays,
         parameters: tuple[float, ...]) -> dict:
    """The review_logs row of one graded review, and the card's state moved past it."""
    review = event.review
    prediction = None
    if state.state != STATE_NEW and state.stability and state.last_review is not None:
        prediction = retrievability(parameters, state.stability,
                                    days.elapsed(state.last_review, review.reviewed_at))
    new_state, due = _outcome(state, event, days)
    log = dict(
        card_id=card.id, rating=review.rating, reviewed_at=review.reviewed_at,
        duration_ms=max(0, review.duration_ms), source=event.source,
        prev_state=state.state if state.state is not None else STATE_NEW, prev_step=state.step,
        prev_stability=state.stability, prev_difficulty=state.difficulty, prev_due=state.due,
        prev_last_review=state.last_review, prev_reps=state.reps or 0, prev_lapses=state.lapses or 0,
        state=new_state, stability=after[0], difficulty=after[1], due=due, retrievability=prediction,
    )
    lapsed = review.rating == 1 and state.state == STATE_REVIEW
    state.lapses = (state.lapses or 0) + int(lapsed)
    state.reps = (state.reps or 0) + 1
    state.step = None if new_state == STATE_REVIEW else 0
    state.state, state.stability, state.difficulty = new_state, after[0], after[1]
    state.due, state.last_review = due, review.reviewed_at
    return log


def _outcome(state: _State | CardState, event: _Event, days: AnkiDays) -> tuple[int, datetime]:
    """The state and due moment after a review: a studyapp review keeps what the app
    decided then; an Anki review, what Anki did (its revlog interval)."""
    review = event.review
    if event.source != HISTORY_SOURCE and event.state is not None and event.due is not None:
        return event.state, event.due
    if review.interval > 0:
        return STATE_REVIEW, days.start(review.reviewed_at) + timedelta(days=review.interval)
    learning = review.kind == KIND_LEARNING or state.state in (STATE_NEW, STATE_LEARNING)
    seconds = -review.interval if review.interval < 0 else 600
    return (STATE_LEARNING if learning else STATE_RELEARNING), review.reviewed_at + timedelta(seconds=seconds)


def _stands_alone(final) -> bool:
    """Whether Anki's schedule of a card whose package holds none of its reviews is
    enough to continue from: a learning card (FSRS starts its memory at the next
    rating), or any scheduled card with its stored memory state and last review time."""
    if final.due is None:
        return False
    remembered = bool(final.stability and final.difficulty and final.last_review is not None)
    return final.card_type == 1 or (final.card_type in (2, 3) and remembered)


def _apply_final(state: _State | CardState, final, days: AnkiDays, parameters, incoming: Sequence[PastReview]) -> None:
    """Anki's own view of the card where it has one: stored memory state, queue, due date."""
    if final.card_type == 0:
        graded_after_reset = False
        for review in incoming:
            graded_after_reset = False if review.is_reset else graded_after_reset or review.graded
        if graded_after_reset:  # Anki says new, yet the card was graded since: trust the history
            return
        state.state, state.step, state.stability, state.difficulty, state.due = STATE_NEW, None, None, None, None
        return
    state.state = {1: STATE_LEARNING, 2: STATE_REVIEW, 3: STATE_RELEARNING}.get(final.card_type, state.state)
    if state.state == STATE_REVIEW:
        state.step = None
    else:  # the step Anki's `left` says it is at; a replayed history ends at step 0
        state.step = final.step if getattr(final, "step", None) is not None else (state.step or 0)
    if final.stability and final.difficulty:
        state.stability, state.difficulty = final.stability, final.difficulty
    if final.due is not None:
        state.due = final.due
    graded = [r for r in incoming if r.graded]
    if final.last_review is not None:
        state.last_review = final.last_review
    elif graded and state.last_review is None:
        state.last_review = graded[-1].reviewed_at
