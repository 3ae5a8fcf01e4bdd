"""Custom study (Anki's dialog): pick a mode, give its number or search, enter starts.

The modes and the sessions they make live in studyapp.study.custom; this screen only
asks and hands the answer to `start_custom_study`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from studyapp.errors import UserError
from studyapp.study import custom
from studyapp.study.custom import MODE_LABELS, MODES

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp
    from studyapp.tui.study_service import StudyService

# what each mode asks for: (label, default value, numeric)
VALUE_PROMPTS = {
    "unlock": ("", "", False),
    "ahead": ("Days ahead", "1", True),
    "preview": ("New cards to preview", "10", True),
    "search": ("Search, in every deck (add deck:SLUG to narrow it)", "tag:", False),
    "more_new": ("More new cards today", "10", True),
}
DECK_MODES = {"unlock", "more_new"}  # need one deck


@dataclass(frozen=True)
class CustomStudyRequest:
    mode: str
    deck: str | None
    value: str


class CustomStudyDialog(ModalScreen[CustomStudyRequest | None]):
    CSS_PATH = "../styles/dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "start", "Start", priority=True),
    ]

    def __init__(self, deck: str | None, title: str | None = None) -> None:
        super().__init__()
        self.deck = deck
        self.deck_title = title or deck

    def compose(self) -> ComposeResult:
        where = self.deck_title if self.deck else "all decks"
        with Vertical(classes="dialog", id="custom-study"):
            yield Label(f"Custom study: {where}", classes="dialog-title")
            yield OptionList(
                *[
                    Option(
                        MODE_LABELS[mode],
                        id=mode,
                        disabled=mode in DECK_MODES and self.deck is None,
                    )
                    for mode in MODES
                ],
                id="modes",
            )
            yield Label("", id="value-label", classes="field-label")
            yield Input(id="value")
            yield Static("", id="custom-error", classes="dialog-text")
            yield Static("↑↓ mode · tab to the value · enter starts · esc cancels", classes="muted")

    def on_mount(self) -> None:
        modes = self.query_one("#modes", OptionList)
        modes.highlighted = MODES.index("ahead")
        self._show_mode("ahead")
        modes.focus()

    @property
    def mode(self) -> str:
        modes = self.query_one("#modes", OptionList)
        index = modes.highlighted
        return MODES[index] if index is not None else "ahead"

    @on(OptionList.OptionHighlighted, "#modes")
    def _mode_changed(self) -> None:
        self._show_mode(self.mode)

    def _show_mode(self, mode: str) -> None:
        label, default, _ = VALUE_PROMPTS[mode]
        value = self.query_one("#value", Input)
        value.display = bool(label)
        self.query_one("#value-label", Label).update(label)
        self.query_one("#value-label").display = bool(label)
        value.value = default
        self.query_one("#custom-error", Static).update("")

    def action_start(self) -> None:
        mode = self.mode
        if mode in DECK_MODES and self.deck is None:
            self.query_one("#custom-error", Static).update(
                "[red]Choose one deck on the dashboard for this[/red]"
            )
            return
        value = self.query_one("#value", Input).value.strip()
        _, _, numeric = VALUE_PROMPTS[mode]
        if numeric and not value.isdigit():
            self.query_one("#custom-error", Static).update(
                f"[red]{VALUE_PROMPTS[mode][0]}: type a whole number[/red]"
            )
            return
        self.dismiss(CustomStudyRequest(mode, self.deck, value))

    def action_cancel(self) -> None:
        self.dismiss(None)


def start_custom_study(app: StudyApp, study: StudyService,
                       request: CustomStudyRequest | None) -> None:
    """Run what the dialog asked for: a session, or a raised limit."""
    if request is None:
        return
    service = study.reviews
    try:
        if request.mode == "unlock":
            app.study(request.deck, ignore_prerequisites=True)
            return
        if request.mode == "more_new":
            assert request.deck is not None  # the dialog offers it on one deck only
            total = service.raise_new_limit(request.deck, int(request.value))
            app.notify(f"{total} more new cards today in {request.deck}")
            refresh = getattr(app.screen, "load", None)
            if refresh is not None:
                refresh()
            return
        if request.mode == "ahead":
            session = custom.review_ahead(service, request.deck, int(request.value))
        elif request.mode == "preview":
            session = custom.preview_new(service, request.deck, int(request.value))
        else:
            session = custom.study_search(service, request.value)
    except UserError as exc:
        app.notify(str(exc), severity="error")
        return
    if not session.card_ids:
        app.notify(f"{session.title}: no cards match", severity="warning")
        return
    app.study(None if request.mode == "search" else request.deck, filtered=session)
