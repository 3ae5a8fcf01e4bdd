"""Custom study, the scheduling side (as Anki's Custom Study dialog): raise today's new
limit for one deck, and pick the cards of a review-ahead or a preview session.

The filtered sessions themselves (which cards, in which order, whether ratings are
scheduled) are in studyapp.study.custom; this module only answers the queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.jsontypes import JsonValue
from studyapp.storage.models import STATE_NEW, STATE_REVIEW, Card, CardState, Deck
from studyapp.storage.settings import get_setting_object, set_setting
from studyapp.vocabulary import KIND_EXERCISE

if TYPE_CHECKING:  # for the annotation only: keeps this module free of the queue
    from studyapp.scheduling.queue import DeckInfo

EXTRA_NEW_KEY = "custom.extra_new"  # {"day": ISO day start, "decks": {slug: extra}}
MAX_EXTRA_NEW = 9999
MAX_AHEAD_DAYS = 365


def extra_new_today(session: Session, today_start: datetime,
                    decks: dict[int, DeckInfo]) -> dict[int, int]:
    """deck id -> how many more new cards than its preset allows today (custom study).
    Yesterday's raise is gone: the setting names the day it was made for."""
    raised = _raised_today(session, today_start)
    by_slug = {d.slug: i for i, d in decks.items()}
    return {by_slug[slug]: n for slug, n in raised.items() if slug in by_slug}


def raise_new_limit(session: Session, today_start: datetime, deck_slug: str, extra: int) -> int:
    """Allow `extra` more new cards in `deck_slug` today (adds to an earlier raise today).
    Returns the deck's total raise today."""
    if not 1 <= extra <= MAX_EXTRA_NEW:
        raise UserError(f"the extra new cards must be between 1 and {MAX_EXTRA_NEW}, got {extra}")
    decks = _raised_today(session, today_start)
    decks[deck_slug] = decks.get(deck_slug, 0) + extra
    set_setting(session, EXTRA_NEW_KEY, {"day": today_start.isoformat(), "decks": decks})
    return decks[deck_slug]


def _raised_today(session: Session, today_start: datetime) -> dict[str, int]:
    """deck slug -> today's raise, from the setting (empty when it was made for another day)."""
    value = get_setting_object(session, EXTRA_NEW_KEY)
    decks = value.get("decks")
    if value.get("day") != today_start.isoformat() or not isinstance(decks, Mapping):
        return {}
    return {slug: _whole_number(n) for slug, n in decks.items()}


def _whole_number(value: JsonValue) -> int:
    if not isinstance(value, int | float | str):
        raise TypeError(f"not a number of cards: {value!r}")
    return int(value)


def _active(deck_slug: str | None) -> ColumnElement[bool]:
    clause = and_(Card.suspended.is_(False), Card.retired.is_(False), Deck.retired.is_(False))
    return clause if deck_slug is None else and_(clause, Deck.slug == deck_slug)


def review_ahead_ids(
    session: Session, deck_slug: str | None, today_end: datetime, days: int
) -> list[int]:
    """Review cards due after today and within `days` more days, soonest first."""
    if not 1 <= days <= MAX_AHEAD_DAYS:
        raise UserError(f"review ahead takes 1 to {MAX_AHEAD_DAYS} days, got {days}")
    until = today_end + timedelta(days=days)
    return list(
        session.scalars(
            select(Card.id)
            .join(Deck, Deck.id == Card.deck_id)
            .join(CardState, CardState.card_id == Card.id)
            .where(
                _active(deck_slug),
                CardState.state == STATE_REVIEW,
                CardState.due >= today_end,
                CardState.due < until,
            )
            .order_by(CardState.due, Card.id)
        )
    )


def preview_ids(session: Session, deck_slug: str | None, count: int) -> list[int]:
    """The next `count` new cards in content order (decks by position), exercises left out."""
    if count < 1:
        raise UserError(f"preview takes at least 1 card, got {count}")
    return list(
        session.scalars(
            select(Card.id)
            .join(Deck, Deck.id == Card.deck_id)
            .join(CardState, CardState.card_id == Card.id)
            .where(_active(deck_slug), CardState.state == STATE_NEW, Card.kind != KIND_EXERCISE)
            .order_by(Deck.position, Deck.slug, Card.position, Card.id)
            .limit(count)
        )
    )
