"""Building the day's queue: which cards, in which order, limits applied.

The order (issue 4, as Anki): (re)learning cards due now; review cards due today, most
overdue relative to their interval first; new cards up to the day's limit in the
content's order (decks by position, cards by position); and last, learning cards due
within the learn-ahead window. Per deck: the preset's new and review limits minus what
was already done today. Siblings (cards sharing a note id) are not shown on a day
another card of the note was studied, and only one card of a note enters the queue. A
deck's new cards wait until every active card of the decks it requires has been
studied; an exercise's new card also waits for the exercises (or decks) its `requires`
names.

This runs on every next_card(), so it speaks SQL to SQLite directly through the
session's connection (same transaction): a 100k-card collection must plan in a few
milliseconds, and ORM rows or SQL compilation would cost more than the queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from studyapp.jsontypes import JsonObject, JsonValue
from studyapp.scheduling.prerequisites import acyclic_requires
from studyapp.scheduling.presets import Preset
from studyapp.storage.models import STATE_LEARNING, STATE_NEW, STATE_RELEARNING, STATE_REVIEW
from studyapp.storage.sqldialect import RawSql, SqlDialect, dialect_of, parse_json_object
from studyapp.storage.stored_time import julian, parse_stored_time
from studyapp.vocabulary import KIND_EXERCISE

# What the connection shows of writes (QueueCache.fingerprint): equal means nothing was written.
Fingerprint = tuple[int, ...]
# A deck's first new cards: (card_id, note_id, kind, position), in content order
FrontierRow = tuple[int, str, str, int]


class ItemRow(NamedTuple):
    """A card as the queue shows it (load_items): the `items` statement's columns, in its
    order, with extra parsed, tags split, due parsed and a missing state read as new."""

    card_id: int
    content_id: str
    kind: str
    front: str
    back: str
    extra: JsonObject
    deck_id: int
    note_id: str
    tags: tuple[str, ...]
    state: int
    due: datetime | None
    reps: int
    lapses: int


@dataclass
class DeckInfo:
    id: int
    slug: str
    title: str
    position: int
    requires: list[str]
    preset: Preset
    prerequisites_on: bool = True  # the learner may turn the ordering off (prerequisites.py)


@dataclass(slots=True)
class Entry:
    card_id: int
    deck_id: int
    queue: str  # learning | review | new | ahead (learning due within the learn-ahead window)
    sort: tuple[Any, ...] = ()  # the order within its part of the queue


@dataclass
class Plan:
    entries: list[Entry] = field(default_factory=list)
    learning_today: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reviews: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    new: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    snapshot: Any = None


@dataclass(frozen=True)
class _QueueSql:
    """The queue's statements in one engine's spelling (see storage/sqldialect.py)."""

    today_logs: str
    learning: str
    reviews: str
    new_in_deck: str
    decks_with_new: str
    card_extra: str
    cards_by_content_id: str
    items: str


@lru_cache(maxsize=2)
def _queue_sql(d: SqlDialect) -> _QueueSql:
    # The due and new states are picked from card_states alone: each state carries copies of
    # its card's deck, note, position and flags (migration 0008, kept by triggers), so neither
    # engine probes `cards` for every due card, and PostgreSQL cannot plan a hash of all of them.
    active = f"s.suspended = {d.false} AND s.retired = {d.false}"
    cross = d.join_in_order
    last, due = d.julianday("s.last_review"), d.julianday("s.due")
    return _QueueSql(
        today_logs=(
            f"SELECT l.card_id, l.prev_state, c.deck_id, c.note_id FROM review_logs l {cross} cards c"
            " ON c.id = l.card_id WHERE l.reviewed_at >= ?"
        ),
        learning=(
            "SELECT s.card_id, s.deck_id, s.note_id, s.due, s.last_review FROM card_states s"
            f" WHERE s.state IN (?, ?) AND s.due < ? AND {active}"
        ),
        reviews=(
            f"SELECT s.card_id, s.deck_id, s.note_id, (? - {last}) / {d.greatest(f'{due} - {last}', '1e-6')}"
            f" AS overdue FROM card_states s WHERE s.state = ? AND s.due < ? AND {active}"
            " ORDER BY overdue DESC, s.card_id"
        ),
        # the deck's active new cards in content order (ix_card_states_new_deck), until it has
        # `limit`; the literal `state = 0` is what lets both engines use that partial index
        new_in_deck=(
            f"SELECT s.card_id, s.note_id, c.kind, s.position FROM card_states s {cross} cards c"
            f" ON c.id = s.card_id WHERE s.deck_id = ? AND s.state = {STATE_NEW} AND {active}"
            " ORDER BY s.position, s.card_id LIMIT ?"
        ),
        # the decks that have an active new card at all: one probe per deck of the same index
        # (stepping over suspended or retired cards). A scalar subquery with LIMIT, not EXISTS,
        # which PostgreSQL would turn into a hash join over every new card; ordered as the index
        # is, so that even without statistics on the table no plan but the index looks cheap.
        decks_with_new=(
            "SELECT d.id FROM decks d WHERE (SELECT s.card_id FROM card_states s"
            f" WHERE s.deck_id = d.id AND s.state = {STATE_NEW} AND {active}"
            " ORDER BY s.position, s.card_id LIMIT 1) IS NOT NULL"
        ),
        card_extra="SELECT id, extra FROM cards WHERE id IN ({ids})",
        cards_by_content_id=(
            "SELECT c.content_id, s.state, c.suspended, c.retired FROM cards c"
            " LEFT JOIN card_states s ON s.card_id = c.id WHERE c.content_id IN ({ids})"
        ),
        items=(
            "SELECT c.id, c.content_id, c.kind, c.front, c.back, c.extra, c.deck_id, c.note_id,"
            " c.tags, s.state, s.due, s.reps, s.lapses FROM cards c"
            " LEFT JOIN card_states s ON s.card_id = c.id WHERE c.id IN ({ids})"
        ),
    )


class _Snapshot:
    """What the queue is built from that does not change while nothing is written: the live
    decks and presets, the review cards due today (per deck, most overdue first) and the
    first new cards of each deck. Valid for one connection state and one study day."""

    def __init__(self, key: Fingerprint | None, day: datetime, decks: dict[int, DeckInfo]) -> None:
        self.key = key
        self.day = day
        self.decks = decks
        self.reviews: dict[int, list[tuple[int, str, float]]] | None = None
        self.frontier: dict[int, list[FrontierRow]] = {}
        self.frontier_complete: dict[int, bool] = {}
        self.has_new: dict[int, bool] = {}
        self.has_new_known = False  # has_new was filled for every deck at once
        self.items: dict[int, ItemRow] = {}
        self.parameters: dict[str, tuple[float, ...]] | None = None  # fitted, by preset name
        self.extra_new: dict[int, int] | None = None  # today's raised new limits (custom study)

    def forget(self, card_id: int, deck_id: int | None) -> None:
        """`card_id` was reviewed: it is neither new nor a review due today any more."""
        self.items.pop(card_id, None)
        if self.reviews is not None:
            for deck, rows in self.reviews.items():
                if deck_id in (None, deck):
                    self.reviews[deck] = [r for r in rows if r[0] != card_id]
        for deck in list(self.frontier) if deck_id is None else [deck_id]:
            pending = self.frontier.get(deck)
            if pending is None:
                self.has_new.pop(deck, None)
                continue
            kept = [r for r in pending if r[0] != card_id]
            self.frontier[deck] = kept
            if not kept and not self.frontier_complete.get(deck):
                del self.frontier[deck]  # unknown what lies beyond: look again
                self.has_new.pop(deck, None)
            else:
                self.has_new[deck] = bool(kept)


class QueueCache:
    """Keeps a _Snapshot between calls, so that rating a card and asking for the next one
    does not rescan 100k cards. It is trusted only while the database connection shows no
    write since it was taken (SQLite's data_version for other connections and processes,
    total_changes for this one); the service's own reviews patch it instead of throwing it
    away. Anything else (a sync, a settings change, an undo, another process) rebuilds it."""

    def __init__(self) -> None:
        self._snapshot: _Snapshot | None = None
        self.builds = 0

    @staticmethod
    def fingerprint(session: Session) -> Fingerprint | None:
        """Changes whenever anything was written since it was last taken.

        SQLite: data_version (other connections) and total_changes (this one).
        PostgreSQL: the write revision (storage/models.py WriteRevision) as it will be once
        this transaction commits: every transaction that wrote bumps it at commit, and
        studyapp's writers take turns (the advisory lock), so nobody else moves it between
        our read and our commit.
        """
        dbapi = getattr(session.connection().connection, "driver_connection", None)
        if dbapi is None:
            return None
        if hasattr(dbapi, "total_changes"):
            version = dbapi.execute("PRAGMA data_version").fetchone()[0]
            return (id(dbapi), version, dbapi.total_changes)
        if dialect_of(session).is_postgresql:
            with dbapi.cursor() as cursor:
                cursor.execute("SELECT value + (txid_current_if_assigned() IS NOT NULL)::int"
                               " FROM write_revision WHERE id = 1")
                row = cursor.fetchone()
            return None if row is None else (id(dbapi), row[0])
        return None  # no cheap way to know: never trust a snapshot

    def snapshot(
        self, session: Session, day: datetime, load_decks: Callable[[], dict[int, DeckInfo]]
    ) -> _Snapshot:
        """The snapshot for `day`, taken afresh unless nothing was written since the last one."""
        key = self.fingerprint(session)
        snap = self._snapshot
        if snap is None or key is None or snap.key != key or snap.day != day:
            snap = _Snapshot(key, day, load_decks())
            self._snapshot = snap if key is not None else None
            self.builds += 1
        return snap

    def current(self, key: Fingerprint | None, day: datetime) -> _Snapshot | None:
        """The kept snapshot if it is still valid for `key` (a fingerprint just taken) and `day`."""
        snap = self._snapshot
        if snap is None or key is None or snap.key != key or snap.day != day:
            return None
        return snap

    def wrote(self, before: Fingerprint | None, after: Fingerprint | None, card_id: int,
              deck_id: int | None) -> None:
        """The service reviewed `card_id` (and nothing else changed) between `before` and
        `after`."""
        snap = self._snapshot
        if snap is None or before is None or after is None or snap.key != before:
            self._snapshot = None
            return
        snap.forget(card_id, deck_id)
        snap.key = after

    def clear(self) -> None:
        self._snapshot = None


def plan_queue(
    session: Session,
    snap: _Snapshot,
    *,
    now: datetime,
    today_start: datetime,
    today_end: datetime,
    learn_ahead: timedelta,
    scope: dict[int, DeckInfo],
    unlocked: frozenset[int] = frozenset(),
    extra_new: dict[int, int] | None = None,
) -> Plan:
    """`unlocked`: decks whose new cards do not wait for their prerequisites in this plan
    (studied anyway); `extra_new`: today's new limit raised by this many, per deck."""
    plan = Plan(snapshot=snap)
    if not scope:
        return plan
    raw = RawSql(session)
    done = _today_so_far(raw, today_start)
    taken_notes: dict[str, int] = {}
    buried = _burying(done.touched, taken_notes)

    # 1. (re)learning cards due today
    learning_now, ahead = _learning(
        raw, plan, scope, now, now + learn_ahead, today_end, taken_notes
    )

    # 2. review cards due today, most overdue relative to their interval first
    remaining = {i: d.preset.reviews_per_day - done.reviews[i] for i, d in scope.items()}
    reviews = _reviews(raw, snap, now, today_end, {i: n for i, n in remaining.items() if n > 0},
                       buried, taken_notes)
    for entry in reviews:
        plan.reviews[entry.deck_id] += 1
    reviews.sort(key=lambda e: e.sort)

    # 3. new cards in content order, prerequisites first
    extra_new = extra_new or {}
    remaining = {
        i: d.preset.new_per_day + extra_new.get(i, 0) - done.new[i] for i, d in scope.items()
    }
    new = _new(raw, snap, scope, {i: n for i, n in remaining.items() if n > 0}, buried, taken_notes,
               unlocked)
    for entry in new:
        plan.new[entry.deck_id] += 1

    plan.entries = learning_now + reviews + new + ahead
    return plan


@dataclass
class _TodaySoFar:
    """What today already holds: limits used per deck, notes touched (their other cards
    are buried)."""

    new: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    reviews: defaultdict[int, int] = field(default_factory=lambda: defaultdict(int))
    touched: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


def _today_so_far(raw: RawSql, today_start: datetime) -> _TodaySoFar:
    d = raw.dialect
    q = _queue_sql(d)
    done = _TodaySoFar()
    for card_id, prev_state, deck_id, note_id in raw.rows(q.today_logs, (d.time_param(today_start),)):
        done.touched[note_id].add(card_id)
        if prev_state == STATE_NEW:
            done.new[deck_id] += 1
        elif prev_state == STATE_REVIEW:
            done.reviews[deck_id] += 1
    return done


def _burying(
    touched: dict[str, set[int]], taken_notes: dict[str, int]
) -> Callable[[str, int], bool]:
    """Whether a card waits for tomorrow because a sibling (a card of its note) was studied
    today or is already in this plan. `taken_notes` fills in as the plan is built."""

    def buried(note_id: str, card_id: int) -> bool:
        if touched:
            others = touched.get(note_id)
            if others and (len(others) > 1 or card_id not in others):
                return True
        if taken_notes:
            return taken_notes.get(note_id, card_id) != card_id
        return False

    return buried


def _learning(raw: RawSql, plan: Plan, scope: dict[int, DeckInfo], now: datetime,
              horizon: datetime, today_end: datetime,
              taken_notes: dict[str, int]) -> tuple[list[Entry], list[Entry]]:
    """(Re)learning cards due today: those due now, and those due within learn-ahead (shown
    at the end). A step of a day or more is due for the whole day, like a review."""
    d = raw.dialect
    learning_now: list[Entry] = []
    ahead: list[Entry] = []
    for card_id, deck_id, note_id, due_text, last_text in raw.rows(
        _queue_sql(d).learning, (STATE_LEARNING, STATE_RELEARNING, d.time_param(today_end))
    ):
        if deck_id not in scope:
            continue
        due, last_review = parse_stored_time(due_text), parse_stored_time(last_text)
        assert due is not None  # the query takes only cards due before the day ends
        plan.learning_today[deck_id] += 1
        taken_notes.setdefault(note_id, card_id)
        interday = last_review is not None and due - last_review >= timedelta(days=1)
        if due <= now or interday:
            learning_now.append(Entry(card_id, deck_id, "learning", (due, card_id)))
        elif due <= horizon:
            ahead.append(Entry(card_id, deck_id, "ahead", (due, card_id)))
    learning_now.sort(key=lambda e: e.sort)
    ahead.sort(key=lambda e: e.sort)
    return learning_now, ahead


def _fetch_reviews(raw: RawSql, snap: _Snapshot, now: datetime, today_end: datetime) -> None:
    """Every review card due today, per deck, most overdue (relative to its interval) first."""
    by_deck: dict[int, list[tuple[int, str, float]]] = defaultdict(list)
    for card_id, deck_id, note_id, overdue in raw.rows(
        _queue_sql(raw.dialect).reviews,
        (julian(now), STATE_REVIEW, raw.dialect.time_param(today_end)),
    ):
        by_deck[deck_id].append((card_id, note_id, overdue or 0.0))
    snap.reviews = dict(by_deck)


def _reviews(
    raw: RawSql,
    snap: _Snapshot,
    now: datetime,
    today_end: datetime,
    wanted: dict[int, int],
    buried: Callable[[str, int], bool],
    taken_notes: dict[str, int],
) -> list[Entry]:
    if not wanted:
        return []
    if snap.reviews is None:
        _fetch_reviews(raw, snap, now, today_end)
    due = snap.reviews or {}
    taken: list[Entry] = []
    notes: dict[str, int] = {}
    for deck_id, limit in wanted.items():
        count = 0
        for card_id, note_id, overdue in due.get(deck_id, ()):
            if count >= limit:
                break
            owner = notes.get(note_id)
            if (owner is not None and owner != card_id) or buried(note_id, card_id):
                continue
            notes[note_id] = card_id
            count += 1
            taken.append(Entry(card_id, deck_id, "review", (-overdue, card_id)))
    for note_id, card_id in notes.items():
        taken_notes.setdefault(note_id, card_id)
    return taken


def _new(raw: RawSql, snap: _Snapshot, scope: dict[int, DeckInfo], wanted: dict[int, int],
         buried: Callable[[str, int], bool], taken_notes: dict[str, int],
         unlocked: frozenset[int] = frozenset()) -> list[Entry]:
    decks = snap.decks
    by_slug = {d.slug: d for d in decks.values()}
    graph = acyclic_requires({d.slug: d.requires for d in decks.values()})

    def frontier(deck_id: int, need: int) -> list[FrontierRow]:
        rows = snap.frontier.get(deck_id)
        if rows is None or (len(rows) < need and not snap.frontier_complete.get(deck_id)):
            cap = max(need, 2 * decks[deck_id].preset.new_per_day + 8)
            rows = snap.frontier[deck_id] = raw.rows(
                _queue_sql(raw.dialect).new_in_deck, (deck_id, cap)
            )
            snap.frontier_complete[deck_id] = len(rows) < cap
            snap.has_new[deck_id] = bool(rows)
        return rows

    if not snap.has_new_known:
        # which decks have new cards at all: one probe per deck (decks_with_new)
        snap.has_new_known = True
        with_new = {deck_id for (deck_id,) in raw.rows(_queue_sql(raw.dialect).decks_with_new)}
        snap.has_new = {deck_id: deck_id in with_new for deck_id in decks}

    def deck_has_new(slug: str) -> bool:
        deck_id = by_slug[slug].id
        if deck_id not in snap.has_new:  # forgotten after a review emptied what we knew
            frontier(deck_id, 1)
        return snap.has_new[deck_id]

    # a requirement that leads back to the deck itself (a cycle) is ignored
    requires = {i: graph[scope[i].slug] if scope[i].prerequisites_on and i not in unlocked else []
                for i in wanted}
    eligible = {i: n for i, n in wanted.items()
                if not any(deck_has_new(r) for r in requires[i]) and deck_has_new(scope[i].slug)}
    taken: list[Entry] = []
    notes: dict[str, int] = {}
    for deck_id in sorted(eligible, key=lambda i: (decks[i].position, decks[i].slug)):
        need = eligible[deck_id]
        while True:
            rows = frontier(deck_id, need)
            chosen = _choose_new(
                raw, decks, deck_id, rows, eligible[deck_id], buried, notes, deck_has_new
            )
            if len(chosen) >= eligible[deck_id] or snap.frontier_complete.get(deck_id):
                break
            need = len(rows) * 4  # many blocked or buried: look further
        for entry in chosen:
            notes[entry.sort[2]] = entry.card_id
        taken.extend(chosen)
    for note_id, card_id in notes.items():
        taken_notes.setdefault(note_id, card_id)
    return taken


def _choose_new(raw: RawSql, decks: dict[int, DeckInfo], deck_id: int, rows: list[FrontierRow],
                limit: int, buried: Callable[[str, int], bool], notes: dict[str, int],
                deck_has_new: Callable[[str], bool]) -> list[Entry]:
    exercises = [card_id for card_id, _, kind, _ in rows if kind == KIND_EXERCISE]
    requirements: dict[int, list[str]] = {}
    if exercises:
        for card_id, extra in raw.rows_in(_queue_sql(raw.dialect).card_extra, exercises):
            needed = parse_json_object(extra).get("requires") or []
            requirements[card_id] = _required_ids(needed)
    unmet = _unmet_ids(
        raw, decks, {r for reqs in requirements.values() for r in reqs}, deck_has_new
    )
    chosen: list[Entry] = []
    seen_notes = dict(notes)
    for card_id, note_id, _kind, position in rows:
        if len(chosen) >= limit:
            break
        if any(r in unmet for r in requirements.get(card_id, ())):
            continue
        if buried(note_id, card_id) or seen_notes.get(note_id, card_id) != card_id:
            continue
        seen_notes[note_id] = card_id
        chosen.append(Entry(card_id, deck_id, "new", (position, card_id, note_id)))
    return chosen


def _required_ids(needed: JsonValue) -> list[str]:
    """An exercise's ``requires``: one id or a list of them."""
    if isinstance(needed, str):
        return [needed]
    if isinstance(needed, Sequence | Mapping):
        return [str(r) for r in needed]
    raise TypeError(f"requires must be an id or a list of ids, got {needed!r}")


def _unmet_ids(raw: RawSql, decks: dict[int, DeckInfo], ids: set[str],
               deck_has_new: Callable[[str], bool]) -> set[str]:
    """Required ids not studied yet: a deck until none of its active cards is new, a card
    until it has been reviewed once (a suspended or retired card holds nothing back)."""
    if not ids:
        return set()
    slugs = {d.slug for d in decks.values()}
    unmet = {slug for slug in ids & slugs if deck_has_new(slug)}
    card_ids = sorted(ids - slugs)
    for content_id, state, suspended, retired in raw.rows_in(
        _queue_sql(raw.dialect).cards_by_content_id, card_ids
    ):
        if (state is None or state == STATE_NEW) and not suspended and not retired:
            unmet.add(content_id)
    return unmet


def load_items(session: Session, snap: _Snapshot | None, entries: list[Entry]) -> list[ItemRow]:
    """The cards of `entries`, in order. Rows are kept in the snapshot (a card's row changes
    only by a write, which renews or patches it)."""
    cache = snap.items if snap is not None else {}
    missing = [e.card_id for e in entries if e.card_id not in cache]
    if missing:
        for row in RawSql(session).rows_in(_queue_sql(dialect_of(session)).items, missing):
            item = ItemRow(*row)
            stored_extra: object = item.extra  # the column's JSON text (SQLite) or value
            cache[item.card_id] = item._replace(
                extra=parse_json_object(stored_extra) if stored_extra not in (None, "", "{}") else {},
                tags=tuple(str(item.tags or "").split()),
                state=STATE_NEW if item.state is None else item.state,
                due=parse_stored_time(item.due),
                reps=item.reps or 0,
                lapses=item.lapses or 0,
            )
    return [cache[e.card_id] for e in entries]
