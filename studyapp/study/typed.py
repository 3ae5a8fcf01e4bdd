"""Typed answers (Anki's type-in): compare what the learner typed with the answer,
character by character.

A basic card asks for a typed answer when its content says `answer: typed`, or when the
learner turned typed answers on for its deck (setting `study.typed_decks`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.orm import Session

from studyapp.storage.settings import get_setting_strings, set_setting

TYPED_DECKS_KEY = "study.typed_decks"
_MARKUP = re.compile(r"[*_`]")


@dataclass(frozen=True)
class Piece:
    text: str
    kind: str  # good (typed and right) | bad (typed, wrong) | missing (in the answer, not typed)


@dataclass(frozen=True)
class Comparison:
    typed: tuple[Piece, ...]  # the learner's text, marked good / bad, with what is missing
    expected: str
    exact: bool

    @property
    def suggested_rating(self) -> int:
        return 3 if self.exact else 1


def expected_answer(back: str) -> str:
    """The answer to compare with: the card's back as plain one-line text."""
    return " ".join(_MARKUP.sub("", back).split())


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def compare_typed(typed: str, back: str) -> Comparison:
    """Anki's type-in comparison: the typed text with each run marked right or wrong, and
    the answer's characters the learner left out shown where they belong."""
    given, expected = _normal(typed), _normal(expected_answer(back))
    pieces: list[Piece] = []
    # case matters, as in Anki: "relu" is not "ReLU"; runs of spaces do not
    matcher = difflib.SequenceMatcher(None, given, expected, autojunk=False)
    for op, g0, g1, e0, e1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece(given[g0:g1], "good"))
            continue
        if g1 > g0:
            pieces.append(Piece(given[g0:g1], "bad"))
        if e1 > e0:
            pieces.append(Piece(expected[e0:e1], "missing"))
    return Comparison(tuple(pieces), expected, given == expected)


def typed_decks(session: Session) -> set[str]:
    return set(get_setting_strings(session, TYPED_DECKS_KEY))


def set_typed_deck(session: Session, slug: str, on: bool) -> None:
    decks = typed_decks(session)
    decks = decks | {slug} if on else decks - {slug}
    set_setting(session, TYPED_DECKS_KEY, sorted(decks))


def asks_typed_answer(kind: str, extra: dict, deck: str, decks_typed: set[str]) -> bool:
    return kind == "basic" and (extra.get("answer") == "typed" or deck in decks_typed)
