"""Current memory of every live card: FSRS-6 retrievability in bulk, with numpy.

R = (1 + factor * t / S) ** -w20 with factor = 0.9 ** (-1 / w20) - 1, t the whole days
since the last review (as py-fsrs's Scheduler.get_card_retrievability counts them) and S
the stability. w20 (the decay) and the desired retention come from each deck's preset
when the scheduler has saved one, else py-fsrs's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.scheduling.presets import load_all_parameters, load_presets
from studyapp.stats._sql import (
    US_PER_DAY,
    StatsConn,
    fetch_all,
    fix_micros,
    float_list,
    int_list,
    micros_sql,
)
from studyapp.stats.model import MATURE_DAYS
from studyapp.storage.models import STATE_NEW, STATE_REVIEW, Deck
from studyapp.storage.sqldialect import SQLITE, SqlDialect
from studyapp.storage.stored_time import to_micros

try:  # py-fsrs's default decay (w20); fsrs is a dependency, but keep the formula importable
    from fsrs.scheduler import DEFAULT_PARAMETERS as _FSRS_DEFAULTS

    DEFAULT_DECAY = float(_FSRS_DEFAULTS[20])
except Exception:  # pragma: no cover
    DEFAULT_DECAY = 0.1542
DEFAULT_RETENTION = 0.9


def retrievability(elapsed_days: np.ndarray, stability: np.ndarray,
                   decay: np.ndarray | float = DEFAULT_DECAY) -> np.ndarray:
    """FSRS-6 forgetting curve, elementwise; elapsed_days as py-fsrs counts them (whole days)."""
    decay = np.asarray(decay, dtype=np.float64)
    factor = 0.9 ** (-1.0 / decay) - 1.0
    t = np.maximum(np.asarray(elapsed_days, dtype=np.float64), 0.0)
    return (1.0 + factor * t / np.asarray(stability, dtype=np.float64)) ** (-decay)


@dataclass(frozen=True)
class MemoryModel:
    """Per-deck decay (w20) and desired retention; decks not listed use the defaults."""

    decay: float = DEFAULT_DECAY
    desired_retention: float = DEFAULT_RETENTION
    decay_by_deck: Mapping[int, float] = field(default_factory=dict)
    retention_by_deck: Mapping[int, float] = field(default_factory=dict)

    def arrays(self, deck_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        decay = np.full(len(deck_ids), self.decay)
        retention = np.full(len(deck_ids), self.desired_retention)
        for deck_id, value in self.decay_by_deck.items():
            decay[deck_ids == deck_id] = value
        for deck_id, value in self.retention_by_deck.items():
            retention[deck_ids == deck_id] = value
        return decay, retention


def load_memory_model(session: Session) -> MemoryModel:
    """Each deck's desired retention and fitted decay from the scheduler's presets, when
    the scheduling package provides them; the defaults otherwise."""
    decks = dict(session.execute(select(Deck.slug, Deck.id)).all())
    presets = load_presets(session, decks)
    parameters = load_all_parameters(session)
    decay_by_deck: dict[int, float] = {}
    retention_by_deck: dict[int, float] = {}
    for slug, deck_id in decks.items():
        preset = presets[slug]
        retention_by_deck[deck_id] = float(preset.desired_retention)
        fitted = parameters.get(preset.name)
        if fitted is not None and len(fitted) > 20:
            decay_by_deck[deck_id] = float(fitted[20])
    return MemoryModel(decay_by_deck=decay_by_deck, retention_by_deck=retention_by_deck)


@dataclass(frozen=True)
class LiveCards:
    """Every live card (neither it nor its deck retired) as parallel arrays, sorted by id,
    with its current retrievability, and its topic and tags as codes into name lists."""

    card_id: np.ndarray
    deck_id: np.ndarray
    state: np.ndarray
    stability: np.ndarray
    difficulty: np.ndarray
    due_us: np.ndarray  # -1 when none
    last_us: np.ndarray  # -1 when none
    suspended: np.ndarray  # bool
    retrievability: np.ndarray  # NaN for cards without a memory state
    desired_retention: np.ndarray
    topic_code: np.ndarray  # index into topics
    topics: list[str]
    tags_code: np.ndarray  # index into tag_strings (a card's space-separated tags)
    tag_strings: list[str]

    @property
    def active(self) -> np.ndarray:
        return ~self.suspended

    @property
    def reviewed(self) -> np.ndarray:
        """Active cards with a memory state (so a current retrievability)."""
        return self.active & ~np.isnan(self.retrievability)

    @property
    def interval_days(self) -> np.ndarray:
        """Scheduled interval (due - last review) in days; NaN without both."""
        ok = (self.due_us >= 0) & (self.last_us >= 0)
        out = np.full(len(self.state), np.nan)
        out[ok] = (self.due_us[ok] - self.last_us[ok]) / US_PER_DAY
        return out

    @property
    def mature(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (self.state == STATE_REVIEW) & (self.interval_days >= MATURE_DAYS)


# Three reads, no join and no row objects: the live cards from the covering index
# ix_cards_deck_active, the scheduling states, and the cards grouped by topic and tags.
@dataclass(frozen=True)
class _CardsSql:
    live: str
    states: str
    groups: str
    retired_decks: str


@lru_cache(maxsize=2)
def _cards_sql(d: SqlDialect) -> _CardsSql:
    concat = d.group_concat
    due_us, last_us = micros_sql("due", d), micros_sql("last_review", d)
    return _CardsSql(
        live=(f"SELECT {concat('id')}, {concat('deck_id * 2 + ' + d.as_int('suspended'))}"
              f" FROM cards WHERE retired = {d.false}"),
        states=(
            f"SELECT {concat('card_id')}, {concat('state')}, {concat('coalesce(stability, 0)')},"
            f" {concat('coalesce(difficulty, 0)')},"
            f" {concat(f'coalesce({due_us}, -1)')}, {concat(f'coalesce({last_us}, -1)')}"
            " FROM card_states"
        ),
        groups=(
            "SELECT CASE WHEN c.topic != '' THEN c.topic"
            " ELSE coalesce((SELECT d.topic FROM decks d WHERE d.id = c.deck_id), '') END, c.tags,"
            f" {concat('c.id')} FROM cards c WHERE c.retired = {d.false} GROUP BY 1, 2"
        ),
        retired_decks=f"SELECT id FROM decks WHERE retired <> {d.false}",
    )


@dataclass(frozen=True)
class RawCards:
    live: tuple
    states: tuple
    retired_decks: list[int]
    dialect: SqlDialect = SQLITE


def read_cards(conn: StatsConn) -> RawCards:
    sql = _cards_sql(conn.dialect)
    return RawCards(
        live=fetch_all(conn, sql.live)[0],
        states=fetch_all(conn, sql.states)[0],
        retired_decks=[d for (d,) in fetch_all(conn, sql.retired_decks)],
        dialect=conn.dialect,
    )


def read_groups(conn: StatsConn) -> list[tuple[str, str, str]]:
    return fetch_all(conn, _cards_sql(conn.dialect).groups)


def live_cards_from(raw: RawCards, groups: list[tuple[str, str, str]], now: datetime,
                    model: MemoryModel) -> LiveCards:
    ids_all = int_list(raw.live[0])
    packed = int_list(raw.live[1])
    order = np.argsort(ids_all, kind="stable")
    ids_all, packed = ids_all[order], packed[order]
    deck_all = packed >> 1
    keep = (
        ~np.isin(deck_all, raw.retired_decks) if raw.retired_decks else np.ones(len(ids_all), bool)
    )
    card_id, deck_id = ids_all[keep], deck_all[keep]
    suspended = (packed[keep] & 1).astype(bool)
    n = len(card_id)

    state = np.zeros(n, dtype=np.int64)
    stability = np.zeros(n)
    difficulty = np.zeros(n)
    due_us = np.full(n, -1, dtype=np.int64)
    last_us = np.full(n, -1, dtype=np.int64)
    s_ids = int_list(raw.states[0])
    if s_ids.size and n:
        at = np.clip(np.searchsorted(card_id, s_ids), 0, n - 1)
        hit = card_id[at] == s_ids
        at = at[hit]
        state[at] = int_list(raw.states[1])[hit]
        stability[at] = float_list(raw.states[2])[hit]
        difficulty[at] = float_list(raw.states[3])[hit]
        due_us[at] = fix_micros(int_list(raw.states[4])[hit], raw.dialect)
        last_us[at] = fix_micros(int_list(raw.states[5])[hit], raw.dialect)

    topic_code = np.zeros(n, dtype=np.int64)
    tags_code = np.zeros(n, dtype=np.int64)
    topics: dict[str, int] = {}
    tag_strings: dict[str, int] = {}
    for topic, tags, ids_text in groups:
        ids = int_list(ids_text)
        if not n or not ids.size:
            continue
        at = np.clip(np.searchsorted(card_id, ids), 0, n - 1)
        at = at[card_id[at] == ids]
        topic_code[at] = topics.setdefault(topic or "", len(topics))
        tags_code[at] = tag_strings.setdefault(tags or "", len(tag_strings))
    if not topics:
        topics[""] = 0
    if not tag_strings:
        tag_strings[""] = 0

    decay, retention = model.arrays(deck_id)
    has_memory = (state != STATE_NEW) & (stability > 0) & (last_us >= 0)
    r = np.full(n, np.nan)
    elapsed = (to_micros(now) - last_us[has_memory]) // US_PER_DAY
    r[has_memory] = retrievability(elapsed, stability[has_memory], decay[has_memory])
    return LiveCards(card_id, deck_id, state, stability, difficulty, due_us, last_us, suspended,
                     r, retention, topic_code, list(topics), tags_code, list(tag_strings))


def live_cards(conn: StatsConn, now: datetime, model: MemoryModel) -> LiveCards:
    return live_cards_from(read_cards(conn), read_groups(conn), now, model)
