"""Read-only queries shared by the CLI and the TUI."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.jsontypes import JsonObject
from studyapp.storage.models import STATE_NEW, Card, CardState, Deck


@dataclass
class DeckCounts:
    """A deck's counts, each covering the deck and all its subdecks (as Anki's deck list)."""

    slug: str
    title: str
    cards: int
    new: int
    learning: int
    due: int
    parent: str | None = None  # the parent deck's slug
    depth: int = 0  # 0 for a top-level deck

    def as_dict(self) -> JsonObject:
        return asdict(self)


def deck_counts(session: Session, due_before: datetime) -> list[DeckCounts]:
    """Per live deck, in tree order (each deck followed by its subdecks): active cards,
    never-studied cards, and studied cards due before `due_before`, counting subdecks."""
    active = and_(Card.suspended.is_(False), Card.retired.is_(False))
    studied_due = and_(CardState.state != STATE_NEW, CardState.due < due_before)
    rows = session.execute(
        select(
            Deck.id,
            Deck.parent_id,
            Deck.slug,
            Deck.title,
            func.count(Card.id),
            func.sum(case((CardState.state == STATE_NEW, 1), else_=0)),
            func.sum(case((and_(studied_due, CardState.state.in_((1, 3))), 1), else_=0)),
            func.sum(case((and_(studied_due, CardState.state == 2), 1), else_=0)),
        )
        .select_from(Deck)
        .outerjoin(Card, and_(Card.deck_id == Deck.id, active))
        .outerjoin(CardState, CardState.card_id == Card.id)
        .where(Deck.retired.is_(False))
        .group_by(Deck.id)
        .order_by(Deck.position, Deck.slug)
    ).all()
    own = {
        i: DeckCounts(s, t, n or 0, new or 0, lrn or 0, due or 0)
        for i, _, s, t, n, new, lrn, due in rows
    }
    parents = {i: p for i, p, *_ in rows if p in own and p != i}
    children: dict[int | None, list[int]] = {}
    for deck_id, *_ in rows:
        children.setdefault(parents.get(deck_id), []).append(deck_id)
    ordered: list[DeckCounts] = []

    def visit(deck_id: int, depth: int, seen: frozenset[int]) -> DeckCounts:
        counts = own[deck_id]
        counts.depth = depth
        counts.parent = own[parents[deck_id]].slug if deck_id in parents else None
        ordered.append(counts)
        for child in children.get(deck_id, []):
            if child in seen:  # a cycle in damaged data: stop rather than loop
                continue
            sub = visit(child, depth + 1, seen | {child})
            counts.cards += sub.cards
            counts.new += sub.new
            counts.learning += sub.learning
            counts.due += sub.due
        return counts

    for root in children.get(None, []):
        visit(root, 0, frozenset({root}))
    return ordered


def deck_and_subdecks(session: Session, deck_id: int) -> set[int]:
    """The deck's id and those of every deck below it."""
    below: dict[int | None, list[int]] = {}
    for child, parent in session.execute(select(Deck.id, Deck.parent_id)):
        below.setdefault(parent, []).append(child)
    found, pending = {deck_id}, [deck_id]
    while pending:
        for child in below.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def resolve_deck(session: Session, name: str) -> str:
    """The slug of the live deck called `name`: its slug, or its title (case does not matter),
    as the app shows it. Raises UserError naming the decks when none matches."""
    rows = session.execute(select(Deck.slug, Deck.title).where(Deck.retired.is_(False))).all()
    wanted = name.strip().casefold()
    if any(slug == name for slug, _ in rows):
        return name
    matches = [slug for slug, title in rows if wanted in (slug.casefold(), title.casefold())]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(slug for slug, _ in rows)) or "none yet"
    if matches:
        raise UserError(f"deck {name!r} is ambiguous: {', '.join(sorted(matches))}")
    raise UserError(f"no deck {name!r} (decks: {known}; a title works too)")


def live_deck_titles(session: Session) -> list[tuple[str, str]]:
    """(slug, title) of every deck not retired, in the decks' order."""
    live = (select(Deck.slug, Deck.title).where(Deck.retired.is_(False))
            .order_by(Deck.position, Deck.slug))
    return [(slug, title) for slug, title in session.execute(live)]
