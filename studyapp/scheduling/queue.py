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

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.scheduling.presets import Preset
from studyapp.storage.models import STATE_LEARNING, STATE_NEW, STATE_RELEARNING, STATE_REVIEW

DB_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DATETIME stores our UTC times
_JULIAN_UNIX_EPOCH = 2440587.5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 500


def db_time(moment: datetime) -> str:
    return as_utc(moment).replace(tzinfo=None).strftime(DB_TIME)


def parse_db_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def julian(moment: datetime) -> float:
    return (as_utc(moment) - _EPOCH).total_seconds() / 86400.0 + _JULIAN_UNIX_EPOCH


@dataclass
class DeckInfo:
    id: int
    slug: str
    title: str
    position: int
    requires: list[str]
    preset: Preset


@dataclass
class Entry:
    card_id: int
    deck_id: int
    queue: str  # learning | review | new | ahead (learning due within the learn-ahead window)
    sort: tuple = ()


@dataclass
class Plan:
    entries: list[Entry] = field(default_factory=list)
    learning_today: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reviews: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    new: dict[int, int] = field(default_factory=lambda: defaultdict(int))


class _Raw:
    """Plain DB-API access inside the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.cursor = session.connection().connection.cursor()

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        return self.cursor.execute(sql, tuple(params)).fetchall()

    def rows_in(self, sql: str, ids: list, extra: tuple = ()) -> list[tuple]:
        """`sql` with one `{ids}` placeholder for an IN list, run in chunks."""
        out: list[tuple] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            out.extend(self.rows(sql.format(ids=",".join("?" * len(chunk))), (*chunk, *extra)))
        return out


_TODAY_LOGS = "SELECT card_id, prev_state FROM review_logs WHERE reviewed_at >= ?"
_CARD_NOTES = "SELECT id, deck_id, note_id FROM cards WHERE id IN ({ids})"
_LEARNING = (
    "SELECT c.id, c.deck_id, c.note_id, s.due, s.last_review FROM card_states s CROSS JOIN cards c "
    "ON c.id = s.card_id WHERE s.state IN (?, ?) AND s.due < ? AND c.suspended = 0 AND c.retired = 0"
)
_OVERDUE = "((? - julianday(s.last_review)) / max(julianday(s.due) - julianday(s.last_review), 1e-6))"
_REVIEWS = (
    f"SELECT id, deck_id, note_id, overdue FROM ("
    f" SELECT c.id AS id, c.deck_id AS deck_id, c.note_id AS note_id, {_OVERDUE} AS overdue,"
    f" row_number() OVER (PARTITION BY c.deck_id ORDER BY {_OVERDUE} DESC, c.id) AS rn"
    f" FROM card_states s CROSS JOIN cards c ON c.id = s.card_id"
    f" WHERE s.state = ? AND s.due < ? AND c.suspended = 0 AND c.retired = 0{{decks}}"
    f") WHERE rn <= ?"
)
# walks the deck's active cards in content order (index ix_cards_deck_active) until it has `limit` new ones
_NEW_IN_DECK = (
    "SELECT c.id, c.note_id, c.kind, c.position FROM cards c CROSS JOIN card_states s ON s.card_id = c.id "
    "WHERE c.deck_id = ? AND c.suspended = 0 AND c.retired = 0 AND s.state = ? ORDER BY c.position, c.id LIMIT ?"
)
_CARD_EXTRA = "SELECT id, extra FROM cards WHERE id IN ({ids})"
_CARDS_BY_CONTENT_ID = (
    "SELECT c.content_id, s.state, c.suspended, c.retired FROM cards c LEFT JOIN card_states s "
    "ON s.card_id = c.id WHERE c.content_id IN ({ids})"
)
_ITEMS = (
    "SELECT c.id, c.content_id, c.kind, c.front, c.back, c.extra, c.deck_id, c.note_id, c.tags, "
    "s.state, s.due, s.reps, s.lapses FROM cards c LEFT JOIN card_states s ON s.card_id = c.id "
    "WHERE c.id IN ({ids})"
)


def plan_queue(
    session: Session,
    *,
    now: datetime,
    today_start: datetime,
    today_end: datetime,
    learn_ahead: timedelta,
    decks: dict[int, DeckInfo],
    scope: dict[int, DeckInfo],
) -> Plan:
    plan = Plan()
    if not scope:
        return plan
    raw = _Raw(session)

    # what today already holds: limits used, notes touched (their other cards are buried)
    new_done: dict[int, int] = defaultdict(int)
    reviews_done: dict[int, int] = defaultdict(int)
    touched: dict[str, set[int]] = defaultdict(set)
    logs = raw.rows(_TODAY_LOGS, (db_time(today_start),))
    if logs:
        where = {i: (d, n) for i, d, n in raw.rows_in(_CARD_NOTES, sorted({c for c, _ in logs}))}
        for card_id, prev_state in logs:
            deck_id, note_id = where.get(card_id, (None, None))
            if deck_id is None:
                continue
            touched[note_id].add(card_id)
            if prev_state == STATE_NEW:
                new_done[deck_id] += 1
            elif prev_state == STATE_REVIEW:
                reviews_done[deck_id] += 1
    taken_notes: dict[str, int] = {}

    def buried(note_id: str, card_id: int) -> bool:
        others = touched.get(note_id)
        if others and len(others - {card_id}) > 0:
            return True
        owner = taken_notes.get(note_id, card_id)
        return owner != card_id

    # 1. (re)learning cards due today: shown when due (or, at the end, within learn-ahead);
    # a step of a day or more is due for the whole day, like a review
    learning_now: list[Entry] = []
    ahead: list[Entry] = []
    horizon = now + learn_ahead
    for card_id, deck_id, note_id, due_text, last_text in raw.rows(
        _LEARNING, (STATE_LEARNING, STATE_RELEARNING, db_time(today_end))
    ):
        if deck_id not in scope:
            continue
        due, last_review = parse_db_time(due_text), parse_db_time(last_text)
        plan.learning_today[deck_id] += 1
        taken_notes.setdefault(note_id, card_id)
        interday = last_review is not None and due - last_review >= timedelta(days=1)
        if due <= now or interday:
            learning_now.append(Entry(card_id, deck_id, "learning", (due, card_id)))
        elif due <= horizon:
            ahead.append(Entry(card_id, deck_id, "ahead", (due, card_id)))
    learning_now.sort(key=lambda e: e.sort)
    ahead.sort(key=lambda e: e.sort)

    # 2. review cards due today, most overdue relative to their interval first
    remaining = {i: d.preset.reviews_per_day - reviews_done[i] for i, d in scope.items()}
    reviews = _reviews(raw, now, today_end, {i: n for i, n in remaining.items() if n > 0}, len(decks),
                       buried, taken_notes)
    for entry in reviews:
        plan.reviews[entry.deck_id] += 1
    reviews.sort(key=lambda e: e.sort)

    # 3. new cards in content order, prerequisites first
    remaining = {i: d.preset.new_per_day - new_done[i] for i, d in scope.items()}
    new = _new(raw, decks, scope, {i: n for i, n in remaining.items() if n > 0}, buried, taken_notes)
    for entry in new:
        plan.new[entry.deck_id] += 1

    plan.entries = learning_now + reviews + new + ahead
    return plan


def _reviews(raw: _Raw, now, today_end, wanted: dict[int, int], n_decks: int,
             buried: Callable[[str, int], bool], taken_notes: dict[str, int]) -> list[Entry]:
    if not wanted:
        return []
    now_jd = julian(now)
    deck_filter, deck_params = "", ()
    if len(wanted) < n_decks:
        deck_filter = f" AND c.deck_id IN ({','.join('?' * len(wanted))})"
        deck_params = tuple(wanted)
    sql = _REVIEWS.format(decks=deck_filter)
    cap = max(wanted.values()) + 16  # room for buried siblings; widened if that was not enough
    while True:
        rows = raw.rows(sql, (now_jd, now_jd, STATE_REVIEW, db_time(today_end), *deck_params, cap))
        per_deck: dict[int, int] = defaultdict(int)
        counts: dict[int, int] = defaultdict(int)
        taken: list[Entry] = []
        notes: dict[str, int] = {}
        for card_id, deck_id, note_id, overdue in rows:
            per_deck[deck_id] += 1
            if deck_id not in wanted or counts[deck_id] >= wanted[deck_id]:
                continue
            if buried(note_id, card_id) or notes.get(note_id, card_id) != card_id:
                continue
            notes[note_id] = card_id
            counts[deck_id] += 1
            taken.append(Entry(card_id, deck_id, "review", (-(overdue or 0.0), card_id)))
        if not any(per_deck[i] >= cap and counts[i] < wanted[i] for i in wanted):
            for note_id, card_id in notes.items():
                taken_notes.setdefault(note_id, card_id)
            return taken
        cap *= 4


def _new(raw: _Raw, decks: dict[int, DeckInfo], scope: dict[int, DeckInfo], wanted: dict[int, int],
         buried: Callable[[str, int], bool], taken_notes: dict[str, int]) -> list[Entry]:
    by_slug = {d.slug: d for d in decks.values()}
    graph = {d.slug: [r for r in d.requires if r in by_slug] for d in decks.values()}

    def reaches(start: str, target: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            slug = stack.pop()
            if slug == target:
                return True
            if slug not in seen:
                seen.add(slug)
                stack.extend(graph.get(slug, ()))
        return False

    # a requirement that leads back to the deck itself (a cycle) is ignored
    requires = {i: [r for r in graph[scope[i].slug] if not reaches(r, scope[i].slug)] for i in wanted}
    has_new: dict[str, bool] = {}
    frontier: dict[int, list[tuple]] = {}
    caps = {i: n * 2 + 8 for i, n in wanted.items()}

    def deck_has_new(slug: str) -> bool:
        if slug not in has_new:
            deck = by_slug[slug]
            if deck.id in frontier:
                has_new[slug] = bool(frontier[deck.id])
            else:
                has_new[slug] = bool(raw.rows(_NEW_IN_DECK, (deck.id, STATE_NEW, 1)))
        return has_new[slug]

    eligible = {i: n for i, n in wanted.items() if not any(deck_has_new(r) for r in requires[i])}
    order = sorted(eligible, key=lambda i: (decks[i].position, decks[i].slug))
    taken: list[Entry] = []
    notes: dict[str, int] = {}
    for deck_id in order:
        while True:
            rows = frontier[deck_id] = raw.rows(_NEW_IN_DECK, (deck_id, STATE_NEW, caps[deck_id]))
            chosen = _choose_new(raw, decks, deck_id, rows, eligible[deck_id], buried, notes, deck_has_new)
            if len(chosen) >= eligible[deck_id] or len(rows) < caps[deck_id]:
                break
            caps[deck_id] *= 4  # many blocked or buried: look further
        for entry in chosen:
            notes[entry.sort[2]] = entry.card_id
        taken.extend(chosen)
    for note_id, card_id in notes.items():
        taken_notes.setdefault(note_id, card_id)
    return taken


def _choose_new(raw: _Raw, decks, deck_id: int, rows: list[tuple], limit: int, buried, notes: dict[str, int],
                deck_has_new: Callable[[str], bool]) -> list[Entry]:
    exercises = [card_id for card_id, _, kind, _ in rows if kind == "exercise"]
    requirements: dict[int, list[str]] = {}
    if exercises:
        for card_id, extra in raw.rows_in(_CARD_EXTRA, exercises):
            needed = (json.loads(extra) if extra else {}).get("requires") or []
            requirements[card_id] = [needed] if isinstance(needed, str) else [str(r) for r in needed]
    unmet = _unmet_ids(raw, decks, {r for reqs in requirements.values() for r in reqs}, deck_has_new)
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


def _unmet_ids(raw: _Raw, decks, ids: set[str], deck_has_new: Callable[[str], bool]) -> set[str]:
    """Required ids not studied yet: a deck until none of its active cards is new, a card
    until it has been reviewed once (a suspended or retired card holds nothing back)."""
    if not ids:
        return set()
    slugs = {d.slug for d in decks.values()}
    unmet = {slug for slug in ids & slugs if deck_has_new(slug)}
    card_ids = sorted(ids - slugs)
    for content_id, state, suspended, retired in raw.rows_in(_CARDS_BY_CONTENT_ID, card_ids):
        if (state is None or state == STATE_NEW) and not suspended and not retired:
            unmet.add(content_id)
    return unmet


def load_items(session: Session, entries: list[Entry]) -> list[dict[str, Any]]:
    """The cards of `entries`, in order, as plain values for QueueItem."""
    raw = _Raw(session)
    rows = {row[0]: row for row in raw.rows_in(_ITEMS, [e.card_id for e in entries])}
    out = []
    for entry in entries:
        (card_id, content_id, kind, front, back, extra, deck_id, note_id, tags,
         state, due, reps, lapses) = rows[entry.card_id]
        out.append({
            "card_id": card_id,
            "content_id": content_id,
            "kind": kind,
            "front": front,
            "back": back,
            "extra": json.loads(extra) if extra else {},
            "deck_id": deck_id,
            "note_id": note_id,
            "tags": tuple((tags or "").split()),
            "state": STATE_NEW if state is None else state,
            "due": parse_db_time(due),
            "reps": reps or 0,
            "lapses": lapses or 0,
            "queue": "learning" if entry.queue == "ahead" else entry.queue,
        })
    return out
