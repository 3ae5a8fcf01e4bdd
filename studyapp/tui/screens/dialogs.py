"""Small modal screens: confirm, edit a card's text, choose the rating of an exercise."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from studyapp.scheduling.rating import RATING_LABELS

RATINGS = tuple(RATING_LABELS.items())


class ConfirmDialog(ModalScreen[bool]):
    """Yes / no. y or enter confirms, n or esc declines."""

    CSS_PATH = "../styles/dialogs.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, *, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="warning")
                yield Button(f"{self.no} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class CardEditor(ModalScreen[dict | None]):
    """Edit a card's texts in place; ctrl+s saves, esc cancels."""

    CSS_PATH = "../styles/dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, title: str, fields) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(self.title_text, classes="dialog-title")
            with Vertical(classes="fields"):
                for field in self.fields:
                    yield Label(field.label, classes="field-label")
                    area = TextArea(
                        field.value, id=f"field-{field.name}", soft_wrap=True, classes="field-text"
                    )
                    area.cursor_blink = getattr(self.app, "cursor_blink", True)
                    yield area
            yield Static("ctrl+s save · esc cancel", classes="muted")

    def action_save(self) -> None:
        values = {f.name: self.query_one(f"#field-{f.name}", TextArea).text for f in self.fields}
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class RatingDialog(ModalScreen[int | None]):
    """The rating an exercise earned, with the chance to override it (1-4, enter accepts)."""

    CSS_PATH = "../styles/dialogs.tcss"
    BINDINGS = [
        Binding("1", "rate(1)", "Again"),
        Binding("2", "rate(2)", "Hard"),
        Binding("3", "rate(3)", "Good"),
        Binding("4", "rate(4)", "Easy"),
        Binding("enter", "accept", "Accept", priority=True),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self, suggested: int, reason: str, intervals: dict[int, str] | None = None, *,
                 verdict=None) -> None:
        super().__init__()
        self.verdict = verdict  # the verdict's headline (rich Text) when the rating follows a run
        self.suggested = suggested
        self.reason = reason
        self.intervals = intervals or {}

    def compose(self) -> ComposeResult:
        name = dict(RATINGS)[self.suggested]
        with Vertical(classes="dialog"):
            yield Label("Rate this exercise", classes="dialog-title")
            if self.verdict is not None:
                yield Static(self.verdict, id="rating-verdict", classes="dialog-text")
            yield Static(
                f"Suggested: [b]{name}[/b] — {self.reason}",
                id="rating-reason",
                classes="dialog-text",
            )
            with Horizontal(classes="dialog-buttons"):
                for value, label in RATINGS:
                    after = self.intervals.get(value)
                    text = f"{value} {label}" + (f" · {after}" if after else "")
                    yield Button(text, id=f"rate-{value}",
                                 variant="primary" if value == self.suggested else "default")
            yield Static(
                "enter accepts the suggestion · 1-4 choose another · esc goes back", classes="muted"
            )

    def on_mount(self) -> None:
        self.query_one(f"#rate-{self.suggested}", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(int((event.button.id or "").removeprefix("rate-")))

    def action_rate(self, value: int) -> None:
        self.dismiss(value)

    def action_accept(self) -> None:
        focused = self.focused
        if isinstance(focused, Button) and focused.id and focused.id.startswith("rate-"):
            self.dismiss(int(focused.id.removeprefix("rate-")))
        else:
            self.dismiss(self.suggested)

    def action_cancel(self) -> None:
        self.dismiss(None)
