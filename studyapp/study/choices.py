"""Multiple-choice options in the order a learner sees them, and checks that a deck's
choice cards cannot be answered by position or length.

Options are shuffled for every showing so that "press 1" or "pick the longest" never
works. The order is drawn from a generator seeded by the card and its review count:
the same showing always gets the same order (after an undo, in a snapshot), the next
review gets a new one. Pinned options (content marker `{pinned}`) keep their place.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# A deck fails when more than this share of its single-answer choice cards put the
# right option in one position, or make it strictly the longest option.
MAX_SAME_POSITION_SHARE = 0.5
MAX_LONGEST_SHARE = 0.5
MIN_CARDS_TO_JUDGE = 4


def shown_options(options: Sequence[dict], card_id: int, reps: int) -> list[dict]:
    """The options in the order this showing of the card presents them."""
    movable = [option for option in options if not option.get("pinned")]
    random.Random(f"choice:{card_id}:{reps}").shuffle(movable)
    shuffled = iter(movable)
    return [dict(option) if option.get("pinned") else dict(next(shuffled)) for option in options]


@dataclass(frozen=True)
class OptionBias:
    deck: str
    cards: int
    same_position: int  # cards whose right option sits in the most common position
    position: int  # that position, 1-based
    longest: int  # cards whose right option is strictly the longest

    @property
    def problems(self) -> list[str]:
        found: list[str] = []
        if self.cards < MIN_CARDS_TO_JUDGE:
            return found
        if self.same_position > MAX_SAME_POSITION_SHARE * self.cards:
            found.append(f"deck {self.deck!r}: the right option is number {self.position} in "
                         f"{self.same_position} of {self.cards} choice cards")
        if self.longest > MAX_LONGEST_SHARE * self.cards:
            found.append(f"deck {self.deck!r}: the right option is the longest in "
                         f"{self.longest} of {self.cards} choice cards")
        return found


def option_bias(deck: str, option_lists: Sequence[Sequence[dict]]) -> OptionBias:
    """How a deck's single-answer choice cards place and size their right option (in file order)."""
    positions: Counter[int] = Counter()
    longest = cards = 0
    for options in option_lists:
        right = [i for i, option in enumerate(options) if option.get("correct")]
        if len(right) != 1:
            continue
        cards += 1
        positions[right[0] + 1] += 1
        lengths = [len(option.get("text", "")) for option in options]
        if all(lengths[right[0]] > n for i, n in enumerate(lengths) if i != right[0]):
            longest += 1
    position, same = positions.most_common(1)[0] if positions else (1, 0)
    return OptionBias(deck, cards, same, position, longest)
