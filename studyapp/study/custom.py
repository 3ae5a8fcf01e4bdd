"""Custom study sessions (Anki's Custom Study dialog), for the TUI and the CLI alike.

- study a deck ignoring its prerequisites: today's queue of that deck with its new
  cards released (ReviewService.next_card(..., ignore_prerequisites=True));
- raise today's new limit for one deck (ReviewService.raise_new_limit);
- review ahead N days, preview N new cards, study a search (`tag:adam`, `is:leech`,
  `kind:cloze`, free words): a *filtered session*, a fixed list of cards shown once each.
  Ratings in a review-ahead or search session are scheduled normally (FSRS takes an
  early review into account); a preview is never scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from studyapp.errors import UserError
from studyapp.scheduling.custom import preview_ids, review_ahead_ids
from studyapp.storage.models import Card
from studyapp.storage.queries import resolve_deck
from studyapp.study.cards import parse_query, queue_item, search_cards

MODES = ("unlock", "ahead", "preview", "search", "more_new")
MODE_LABELS = {
    "unlock": "Study this deck, ignoring its prerequisites",
    "ahead": "Review ahead (cards due in the next N days)",
    "preview": "Preview new cards (not scheduled)",
    "search": "Study a tag or search (tag:adam, is:leech, kind:cloze)",
    "more_new": "Increase today's new card limit for this deck",
}
FILTERED_LIMIT = 1000


@dataclass
class FilteredSession:
    """A fixed list of cards, each shown once, in order. `scheduled` says whether a rating
    goes through the scheduler (False: a preview, nothing is written)."""

    title: str
    card_ids: list[int]
    scheduled: bool = True
    done: set[int] = field(default_factory=set)

    def next_card(self, database):
        """The next card not yet done (a card suspended meanwhile is skipped), or None."""
        with database.unit_of_work() as session:
            for card_id in self.card_ids:
                if card_id in self.done:
                    continue
                item = queue_item(session, card_id)
                if item.kind == "exercise" or _unavailable(session, card_id):
                    self.done.add(card_id)
                    continue
                return item
        return None

    def remaining(self) -> int:
        return sum(1 for card_id in self.card_ids if card_id not in self.done)

    def mark_done(self, card_id: int) -> None:
        self.done.add(card_id)

    def undo(self, card_id: int) -> None:
        self.done.discard(card_id)

    def remove(self, card_id: int) -> None:
        """Suspended during the session: it leaves the list."""
        self.done.add(card_id)


def _unavailable(session, card_id: int) -> bool:
    card = session.get(Card, card_id)
    return card is None or card.suspended or card.retired


def review_ahead(service, deck: str | None, days: int) -> FilteredSession:
    with service.database.unit_of_work() as session:
        slug = _slug(session, deck)
        ids = review_ahead_ids(session, slug, service.today_end(), days)
    where = f" in {slug}" if slug else ""
    return FilteredSession(f"Review ahead {days} day{'s' if days != 1 else ''}{where}", ids)


def preview_new(service, deck: str | None, count: int) -> FilteredSession:
    with service.database.unit_of_work() as session:
        slug = _slug(session, deck)
        ids = preview_ids(session, slug, count)
    where = f" of {slug}" if slug else ""
    return FilteredSession(f"Preview {len(ids)} new card{'s' if len(ids) != 1 else ''}{where}", ids,
                           scheduled=False)


def study_search(service, text: str, deck: str | None = None) -> FilteredSession:
    """Every live, unsuspended card matching the search (browse's syntax), in content order."""
    if not text.strip():
        raise UserError("type a search, e.g. tag:adam, is:leech or kind:cloze")
    query = parse_query(text)
    with service.database.unit_of_work() as session:
        wanted = query.deck or deck  # a deck: in the search, or the session's
        if wanted:
            query = replace(query, deck=_slug(session, wanted))
        rows = search_cards(session, query, service.now(), limit=FILTERED_LIMIT)
    ids = [r.id for r in rows if not r.suspended and r.kind != "exercise"]
    return FilteredSession(f"Search: {text.strip()}", ids)


def _slug(session, deck: str | None) -> str | None:
    if deck is None:
        return None
    return resolve_deck(session, deck)
