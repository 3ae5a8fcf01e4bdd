"""Again / Hard / Good / Easy, each showing the interval it would give (as on Anki's buttons)."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button
from textual.widgets.button import ButtonVariant

from studyapp.scheduling.rating import Rating
from studyapp.tui.formatting import interval

_VARIANTS: tuple[ButtonVariant, ...] = ("error", "warning", "success", "primary")
RATINGS: tuple[tuple[int, str, ButtonVariant], ...] = tuple(
    (r.value, r.label, variant) for r, variant in zip(Rating, _VARIANTS, strict=True))


class RatingBar(Horizontal):
    DEFAULT_CSS = """
    RatingBar { height: auto; align-horizontal: center; }
    RatingBar Button { margin: 0 1; min-width: 14; }
    """

    class Rated(Message):
        def __init__(self, rating: int) -> None:
            super().__init__()
            self.rating = rating

    def compose(self) -> ComposeResult:
        for value, label, variant in RATINGS:
            button = Button(f"{value} {label}", id=f"rate-{value}", variant=variant)
            button.can_focus = False  # keys rate; the buttons are for the mouse and the eye
            yield button

    def show_previews(self, previews: dict[int, timedelta], suggested: int | None = None) -> None:
        for value, label, _ in RATINGS:
            button = self.query_one(f"#rate-{value}", Button)
            after = previews.get(value)
            button.label = (
                f"{value} {label} · {interval(after)}" if after is not None else f"{value} {label}"
            )
            button.set_class(suggested == value, "-suggested")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Rated(int((event.button.id or "").removeprefix("rate-"))))
