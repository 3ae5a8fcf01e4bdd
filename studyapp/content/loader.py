"""Load and validate all content from one or more roots, reporting every problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from studyapp.content.decks import Problems, parse_deck
from studyapp.content.exercises import is_exercise_folder, load_exercise_folder, read_text_file
from studyapp.content.model import ContentBundle, DeckSpec, ExerciseSpec, Location
from studyapp.errors import ContentError
from studyapp.paths import shipped_content_dir


def load_content(roots: Sequence[Path] | None = None) -> ContentBundle:
    """Every deck and exercise under `roots` (default: the shipped content).

    Raises ContentError listing each problem as `file:line: sentence`.
    """
    roots = [Path(r) for r in (roots if roots is not None else [shipped_content_dir()])]
    problems = Problems()
    decks: list[DeckSpec] = []
    exercises: list[ExerciseSpec] = []
    for root in roots:
        if not root.is_dir():
            problems.add(Location(root, 1), "content folder does not exist")
            continue
        for path in sorted((root / "decks").glob("*.md")) if (root / "decks").is_dir() else []:
            if path.name.lower() == "readme.md":
                continue
            text = read_text_file(path, problems)
            if text is not None and (deck := parse_deck(path, text, problems)) is not None:
                decks.append(deck)
        exercise_dir = root / "exercises"
        folders = sorted(exercise_dir.iterdir()) if exercise_dir.is_dir() else []
        for folder in filter(is_exercise_folder, folders):
            if (exercise := load_exercise_folder(folder, problems)) is not None:
                exercises.append(exercise)
    decks = _merge_added_cards(decks, problems)
    _cross_check(decks, exercises, problems)
    if problems:
        raise ContentError(list(problems))
    decks.sort(key=lambda d: (d.order, d.slug))
    return ContentBundle(roots=roots, decks=decks, exercises=exercises)


def _merge_added_cards(decks: list[DeckSpec], problems: Problems) -> list[DeckSpec]:
    """Files with `adds_to: <deck>` give their cards to that deck, after its own."""
    defined = {d.slug: d for d in decks if not d.adds_to}
    for extra in (d for d in decks if d.adds_to):
        target = defined.get(extra.slug)
        if target is None:
            problems.add(extra.location, f"adds_to names deck {extra.slug!r}, which no deck file defines")
            continue
        for card in extra.cards:
            if not card.topic:
                card.topic = target.topic
        target.cards.extend(extra.cards)
    return [d for d in decks if not d.adds_to]


def _cross_check(decks: list[DeckSpec], exercises: list[ExerciseSpec], problems: Problems) -> None:
    """Ids unique across all files; references point at things that exist."""
    deck_at: dict[str, Location] = {}
    for deck in decks:
        if deck.slug in deck_at:
            problems.add(deck.location, f"duplicate deck id {deck.slug!r} (first defined at {deck_at[deck.slug]})")
        deck_at.setdefault(deck.slug, deck.location)
    card_at: dict[str, Location] = {}
    for card in (c for d in decks for c in d.cards):
        if card.content_id in card_at:
            problems.add(card.location,
                         f"duplicate card id {card.note_id!r} (first defined at {card_at[card.content_id]})")
        card_at.setdefault(card.content_id, card.location)
    for exercise in exercises:
        where = Location(exercise.folder / "exercise.toml", 1)
        if exercise.id in card_at:
            problems.add(where, f"duplicate id {exercise.id!r}: a card at {card_at[exercise.id]} has it too")
        card_at.setdefault(exercise.id, where)
        if exercise.deck not in deck_at:
            problems.add(where, f"exercise {exercise.id!r} names deck {exercise.deck!r}, which no deck file defines")
    known = set(deck_at) | set(card_at)
    for deck in decks:
        for required in deck.requires:
            if required not in deck_at:
                problems.add(deck.location, f"deck {deck.slug!r} requires unknown deck {required!r}")
    for exercise in exercises:
        for required in exercise.requires:
            if required not in known:
                problems.add(Location(exercise.folder / "exercise.toml", 1),
                             f"exercise {exercise.id!r} requires unknown id {required!r}")
