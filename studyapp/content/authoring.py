"""Writing cards as plain Markdown in the learner's own content folder (the Add screen,
`studyapp add`, and edits of cards that live there), so text stays the source of truth.

The own folder (default: `my-content` under the user data directory, or the setting
`content.own_folder`) is created on first use and synced like any content folder; it
holds decks only, so it needs no trust. A card for a deck another folder defines goes
into `decks/<deck>.md` there with `adds_to: <deck>`; a deck of the learner's own is
defined there with `id:` and `title:`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.content.decks import ID_PATTERN, Problems, parse_deck
from studyapp.content.model import CardSpec
from studyapp.errors import UserError
from studyapp.paths import user_data_dir
from studyapp.storage.models import Card, Deck
from studyapp.storage.settings import get_setting, set_setting
from studyapp.vocabulary import KIND_BASIC, KIND_CHOICE, KIND_CLOZE

if TYPE_CHECKING:
    from studyapp.content.sync import SyncSummary

OWN_FOLDER_KEY = "content.own_folder"
OWN_FOLDER_NAME = "my-content"
KINDS = (KIND_BASIC, "reversed", KIND_CLOZE, KIND_CHOICE)  # the form's choices
_HEADING = re.compile(r"^##\s+(\S.*?)\s*$")


@dataclass
class NewCard:
    """What the Add screen or `studyapp add` asks for."""

    kind: str  # basic | reversed | cloze | choice
    deck: str  # the deck's slug or title (a new title makes a new deck of the learner's own)
    front: str = ""  # basic/reversed: the question; choice: the question
    back: str = ""  # basic/reversed: the answer; choice: the explanation
    text: str = ""  # cloze: the text with {{c1::...}}
    extra: str = ""  # cloze: the extra text
    options: list[tuple[bool, str]] = field(default_factory=list)  # choice: (right, text)
    tags: list[str] = field(default_factory=list)
    typed: bool = False  # basic: the learner types the answer


def own_folder(session: Session) -> Path:
    """The learner's own content folder (not created here)."""
    configured = get_setting(session, OWN_FOLDER_KEY)
    if isinstance(configured, str) and configured:
        return Path(configured)
    return user_data_dir() / OWN_FOLDER_NAME


def card_id_for(card: NewCard, taken: set[str]) -> str:
    """A readable, stable id from the card's first words, unique among `taken`."""
    source = card.text if card.kind == "cloze" else card.front
    words = re.findall(r"[a-z0-9]+", re.sub(r"\{\{c\d+::", " ", source.lower()))[:6]
    base = "my-" + "-".join(words or ["card"])
    base = base[:60].rstrip("-")
    if base not in taken and not any(t.startswith(base + "::") for t in taken):
        return base
    digest = hashlib.sha256(source.encode()).hexdigest()
    for size in range(4, 20):
        candidate = f"{base}-{digest[:size]}"
        if candidate not in taken:
            return candidate
    raise UserError("could not find a free id for the card")


def card_markdown(card_id: str, card: NewCard) -> str:
    """The card in the deck file format (content/README.md)."""
    kind = "basic" if card.kind == "reversed" else card.kind
    lines = [f"## {card_id}", f"kind: {kind}"]
    if card.tags:
        lines.append("tags: " + ", ".join(card.tags))
    if card.kind == "reversed":
        lines.append("reverse: true")
    if card.typed and kind == "basic":
        lines.append("answer: typed")
    lines.append("")
    if kind == "basic":
        lines += [f"Q: {card.front.strip()}", "", f"A: {card.back.strip()}"]
    elif kind == "cloze":
        lines.append(f"Text: {card.text.strip()}")
        if card.extra.strip():
            lines += ["", f"Extra: {card.extra.strip()}"]
    else:
        lines += [f"Q: {card.front.strip()}", ""]
        lines += [f"- [{'x' if right else ' '}] {text.strip()}" for right, text in card.options]
        if card.back.strip():
            lines += ["", f"Explain: {card.back.strip()}"]
    return "\n".join(lines) + "\n"


def preview_cards(card: NewCard, card_id: str = "my-new-card") -> tuple[list[CardSpec], list[str]]:
    """The cards this would make, and the problems (file:line-free sentences) if any."""
    if card.kind not in KINDS:
        return [], [f"unknown kind {card.kind!r} (one of {', '.join(KINDS)})"]
    text = f"---\nid: preview\ntitle: Preview\n---\n\n{card_markdown(card_id, card)}"
    problems = Problems()
    deck = parse_deck(Path("new-card.md"), text, problems)
    sentences = [
        (p.split(": ", 1)[-1] if p.startswith("new-card.md:") else p).replace(f" {card_id!r}", "")
        for p in problems
    ]
    return (deck.cards if deck is not None and not problems else []), sentences


@dataclass(frozen=True)
class AddedCard:
    content_id: str
    deck: str
    path: Path
    cards: int  # cards made (a reversed or multi-cloze note makes several)


def write_card(session: Session, card: NewCard) -> AddedCard:
    """Append the card to its deck file in the own folder (creating folder and file)."""
    cards, problems = preview_cards(card)
    if problems:
        raise UserError(problems[0])
    folder = own_folder(session)
    slug, title, defined_elsewhere = _deck_for(session, card.deck, folder)
    taken = set(session.scalars(select(Card.content_id)))
    card_id = card_id_for(card, taken | _ids_in_folder(folder))
    path = folder / "decks" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    (folder / "exercises").mkdir(exist_ok=True)
    if not path.exists():
        head = f"adds_to: {slug}" if defined_elsewhere else f"id: {slug}\ntitle: {title}"
        path.write_text(f"---\n{head}\n---\n", encoding="utf-8")
    existing = path.read_text(encoding="utf-8")
    path.write_text(existing.rstrip("\n") + "\n\n" + card_markdown(card_id, card), encoding="utf-8")
    if get_setting(session, OWN_FOLDER_KEY) is None:
        set_setting(session, OWN_FOLDER_KEY, str(folder))
    return AddedCard(card_id, slug, path, len(cards))


def _deck_for(session: Session, name: str, folder: Path) -> tuple[str, str, bool]:
    """(slug, title, defined by another folder) for the deck called `name`."""
    name = name.strip()
    if not name:
        raise UserError("a card needs a deck (--deck NAME)")
    wanted = name.casefold()
    for slug, title, source in session.execute(select(Deck.slug, Deck.title, Deck.source_path)
                                               .where(Deck.retired.is_(False))):
        if wanted in (slug.casefold(), title.casefold()):
            if source.startswith("import:"):
                raise UserError(
                    f"deck {slug!r} was imported; add cards to a content deck or a new deck"
                )
            own = Path(source).parent.parent == folder if source else False
            return slug, title, not own
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "my-cards"
    if not ID_PATTERN.match(slug):
        slug = "my-" + slug
    return slug, name, False


def _ids_in_folder(folder: Path) -> set[str]:
    """Card ids already written in the own folder (maybe not synced yet)."""
    found: set[str] = set()
    decks = folder / "decks"
    for path in decks.glob("*.md") if decks.is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _HEADING.match(line)
            if match:
                found.add(match.group(1))
    return found


def add_card(database, clock, card: NewCard) -> tuple[AddedCard, SyncSummary]:
    """Write the card and sync the own folder (trusted: it holds decks only). Returns what
    was written and the sync summary. A card that does not sync is taken out again."""
    # deferred: the add-card screen imports this module; the sync machinery (loader,
    # exercise.toml parsing, tomllib) loads when a card is first added
    from studyapp.content.service import sync_folders

    with database.unit_of_work() as session:
        added = write_card(session, card)
        folder = own_folder(session)
    before = added.path.read_text(encoding="utf-8")
    try:
        summary = sync_folders(database, clock, [folder], trust=True)
    except UserError:
        _remove_card(added.path, added.content_id, before)
        raise
    return added, summary


def _remove_card(path: Path, card_id: str, text: str) -> None:
    """Take the card written last out of `text` again (its sync failed)."""
    marker = f"\n## {card_id}\n"
    index = text.rfind(marker)
    if index >= 0:
        path.write_text(text[:index].rstrip("\n") + "\n", encoding="utf-8")


def rewrite_card_in_file(path: Path, card_id: str, new_section: str) -> None:
    """Replace the card `card_id` (from its heading to the next heading) in its deck file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines)
                  if (heading := _HEADING.match(line.rstrip("\n"))) and heading.group(1) == card_id),
                 None)
    if start is None:
        raise UserError(f"{path}: card {card_id!r} is not in this file any more")
    end = next(
        (i for i in range(start + 1, len(lines)) if _HEADING.match(lines[i].rstrip("\n"))),
        len(lines),
    )
    section = new_section if new_section.endswith("\n") else new_section + "\n"
    if end < len(lines):
        section += "\n"
    path.write_text("".join(lines[:start]) + section + "".join(lines[end:]), encoding="utf-8")
