"""The four answer buttons: one home for their values (what review_logs store, what
py-fsrs takes) and their labels (what the screens and reports show)."""

from __future__ import annotations

from enum import IntEnum

import fsrs


class Rating(IntEnum):
    """Anki's and FSRS's ratings. An IntEnum, so a stored or typed 1-4 compares equal."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        """The button's text: "Again", "Hard", "Good", "Easy"."""
        return self.name.capitalize()

    def to_fsrs(self) -> fsrs.Rating:
        return fsrs.Rating(self.value)


def rating_label(value: int) -> str:
    """The label of a stored rating; an unknown value shows as its number."""
    try:
        return Rating(value).label
    except ValueError:
        return str(value)


# value -> label, in button order (for bindings and tallies)
RATING_LABELS: dict[int, str] = {rating.value: rating.label for rating in Rating}
