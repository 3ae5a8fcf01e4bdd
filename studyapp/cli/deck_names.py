"""`--deck NAME` on the command line: a deck's slug or its title, in any case.

The app shows titles ("Optimizers") and the content files use slugs ("optimizers"), so
the CLI accepts either. An unknown name is one line that lists the closest decks.
"""

from __future__ import annotations

import difflib

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.errors import UserError
from studyapp.storage.models import Deck

MAX_SUGGESTIONS = 3


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def resolve_deck(session: Session, name: str, *, include_retired: bool = False,
                 option: str = "--deck") -> str:
    """The slug of the deck `name` names: its slug exactly, else its slug or title in any case.

    Raises UserError (where: `option`) for an unknown or ambiguous name."""
    statement = select(Deck.slug, Deck.title).order_by(Deck.position, Deck.slug)
    if not include_retired:
        statement = statement.where(Deck.retired.is_(False))
    decks = [(slug, title) for slug, title in session.execute(statement)]
    if any(slug == name for slug, _ in decks):
        return name
    wanted = _folded(name)
    by_slug = [slug for slug, _ in decks if slug.casefold() == wanted]
    if len(by_slug) == 1:
        return by_slug[0]
    by_title = [slug for slug, title in decks if _folded(title) == wanted]
    if len(by_title) == 1:
        return by_title[0]
    if by_title:
        raise UserError(f"{name!r} is the title of {len(by_title)} decks ({', '.join(by_title)}); "
                        f"give the slug instead", where=option)
    raise UserError(_unknown(name, decks), where=option)


def _unknown(name: str, decks: list[tuple[str, str]]) -> str:
    if not decks:
        return f"no deck {name!r}: there are no decks yet (run `studyapp sync`)"
    # compare against slugs and titles alike; a prefix ("optim") counts as close too
    names = {}
    for slug, title in decks:
        names.setdefault(slug.casefold(), (slug, title))
        names.setdefault(_folded(title), (slug, title))
    wanted = _folded(name)
    close = difflib.get_close_matches(wanted, list(names), n=MAX_SUGGESTIONS * 2, cutoff=0.6)
    close += [key for key in names if wanted and key.startswith(wanted) and key not in close]
    suggestions: list[str] = []
    for key in close:
        slug, title = names[key]
        label = f"{title} ({slug})"
        if label not in suggestions:
            suggestions.append(label)
    if suggestions:
        return f"no deck {name!r}; did you mean {', '.join(suggestions[:MAX_SUGGESTIONS])}?"
    return f"no deck {name!r} (see `studyapp decks` for the decks there are)"


def deck_slug(
    ctx, name: str | None, *, include_retired: bool = False, option: str = "--deck"
) -> str | None:
    """resolve_deck in its own unit of work; None stays None (every deck)."""
    if name is None:
        return None
    with ctx.unit_of_work() as session:
        return resolve_deck(session, name, include_retired=include_retired, option=option)
