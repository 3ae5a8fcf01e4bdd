"""Subdecks (Anki's Parent::Child): a deck list in tree order, and a parent's counts
including its subdecks. Pure functions, no database and no heavy imports: the dashboard
calls them on the UI thread before the scheduler (SQLAlchemy, FSRS) is loaded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class DeckCounts(Protocol):
    """A deck's row of today's counts (what ReviewService.counts gives, QueueCounts)."""

    @property
    def slug(self) -> str: ...
    @property
    def parent(self) -> str | None: ...
    @property
    def new(self) -> int: ...
    @property
    def learning(self) -> int: ...
    @property
    def review(self) -> int: ...


def with_subdecks(rows: Sequence[DeckCounts]) -> dict[str, tuple[int, int, int]]:
    """Per deck slug: (new, learning, review) of the deck and all its subdecks, as Anki's
    deck list counts a parent."""
    totals = {r.slug: [r.new, r.learning, r.review] for r in rows}
    parent_of = {r.slug: r.parent for r in rows}
    for row in rows:
        seen, parent = {row.slug}, row.parent
        while parent in totals and parent not in seen:
            for index, value in enumerate((row.new, row.learning, row.review)):
                totals[parent][index] += value
            seen.add(parent)
            parent = parent_of.get(parent)
    return {slug: (n, lrn, rev) for slug, (n, lrn, rev) in totals.items()}


def tree_order(ids: list[int], parents: dict[int, int | None]) -> list[tuple[int, int]]:
    """(deck id, depth) with each deck followed by its subdecks, siblings in `ids` order."""
    members = set(ids)
    children: dict[int | None, list[int]] = {}
    for deck_id in ids:
        parent = parents.get(deck_id)
        children.setdefault(parent if parent in members and parent != deck_id else None, []).append(
            deck_id
        )
    ordered: list[tuple[int, int]] = []
    pending = [(deck_id, 0) for deck_id in reversed(children.get(None, []))]
    seen: set[int] = set()
    while pending:
        deck_id, depth = pending.pop()
        if deck_id in seen:
            continue
        seen.add(deck_id)
        ordered.append((deck_id, depth))
        pending.extend((child, depth + 1) for child in reversed(children.get(deck_id, [])))
    ordered.extend((deck_id, 0) for deck_id in ids if deck_id not in seen)  # a damaged cycle
    return ordered
