"""Add: write a new card (basic, reversed, cloze, choice) into a deck, with a live preview
of the cards it makes, as Anki's Add dialog. ctrl+s adds it: the card is written as
Markdown into the learner's own content folder and synced (studyapp.content.authoring);
the fields clear for the next card, the kind and deck stay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from studyapp.content.authoring import KINDS, NewCard, add_card, preview_cards
from studyapp.errors import UserError
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.study_footer import StudyFooter

if TYPE_CHECKING:
    from studyapp.tui.study_service import StudyService

NARROW = 100
# kind -> labels of the three text fields ("" hides one)
FIELD_LABELS = {
    "basic": ("Front", "Back", ""),
    "reversed": ("Front (also asked the other way round)", "Back", ""),
    "cloze": ("Text, deletions as {{c1::answer}} or {{c1::answer::hint}}", "Extra (optional)", ""),
    "choice": (
        "Question",
        "Options, one a line; start the right ones with *",
        "Explanation (optional)",
    ),
}


def new_card_from(kind: str, deck: str, texts: tuple[str, str, str], tags: str) -> NewCard:
    """What the screen's fields describe."""
    first, second, third = texts
    tag_list = [t for t in tags.replace(",", " ").split() if t]
    if kind == "cloze":
        return NewCard("cloze", deck, text=first, extra=second, tags=tag_list)
    if kind == "choice":
        options = []
        for line in second.splitlines():
            line = line.strip()
            if line:
                right = line.startswith("*")
                options.append((right, line.lstrip("*").strip()))
        return NewCard("choice", deck, front=first, back=third, options=options, tags=tag_list)
    return NewCard(kind, deck, front=first, back=second, tags=tag_list)


class AddCardScreen(StudyScreen):
    LABEL = "Add"
    CSS_PATH = "../styles/add_card.tcss"
    BINDINGS = [
        Binding("ctrl+s", "add", "Add card", priority=True),
        Binding("escape", "close", "Close"),
    ]
    HELP_EXTRA = [("tab / shift+tab", "Next / previous field"),
                  ("choice options", "one a line; a line starting with * is a right option")]

    def __init__(self, study: StudyService, deck: str | None = None) -> None:
        super().__init__()
        self.study = study
        self.initial_deck = deck or ""
        self.added: list[str] = []

    def compose(self) -> ComposeResult:
        titles = list(self.study.deck_titles.values())
        yield Header()
        with Horizontal(id="add-body"):
            with VerticalScroll(id="add-form"):
                with Horizontal(classes="add-row"):
                    yield Label("Kind", classes="add-label")
                    yield Select(
                        [(k, k) for k in KINDS],
                        value="basic",
                        allow_blank=False,
                        compact=True,
                        id="add-kind",
                    )
                with Horizontal(classes="add-row"):
                    yield Label("Deck", classes="add-label")
                    yield Input(
                        self.initial_deck,
                        placeholder="a deck's title (a new title makes a new deck)",
                        suggester=SuggestFromList(titles, case_sensitive=False),
                        compact=True,
                        id="add-deck",
                    )
                for number in (1, 2, 3):
                    yield Label("", id=f"label-{number}", classes="field-label")
                    area = TextArea("", id=f"field-{number}", soft_wrap=True, classes="add-field")
                    area.cursor_blink = getattr(self.app, "cursor_blink", True)
                    yield area
                with Horizontal(classes="add-row"):
                    yield Label("Tags", classes="add-label")
                    yield Input(placeholder="space separated", compact=True, id="add-tags")
            with Vertical(id="add-preview-panel"):
                yield Static("", id="add-preview")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.query_one("#add-preview-panel").border_title = "Preview"
        self.query_one("#add-deck", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self.query_one("#add-tags", Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        self._layout(self.app.size.width)
        self._show_kind("basic")
        self.query_one("#field-1", TextArea).focus()

    def on_resize(self, event) -> None:
        self._layout(event.size.width)

    def _layout(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    @property
    def kind(self) -> str:
        return str(self.query_one("#add-kind", Select).value)

    @on(Select.Changed, "#add-kind")
    def _kind_changed(self) -> None:
        self._show_kind(self.kind)

    def _show_kind(self, kind: str) -> None:
        for number, label in enumerate(FIELD_LABELS[kind], start=1):
            self.query_one(f"#label-{number}", Label).update(label)
            self.query_one(f"#label-{number}").display = bool(label)
            self.query_one(f"#field-{number}").display = bool(label)
        self._update_preview()

    @on(TextArea.Changed)
    @on(Input.Changed)
    def _changed(self) -> None:
        self._update_preview()

    def card(self) -> NewCard:
        first, second, third = (self.query_one(f"#field-{n}", TextArea).text for n in (1, 2, 3))
        texts = (first, second, third)
        return new_card_from(self.kind, self.query_one("#add-deck", Input).value, texts,
                             self.query_one("#add-tags", Input).value)

    def _update_preview(self) -> None:
        card = self.card()
        preview = self.query_one("#add-preview", Static)
        if not any(self.query_one(f"#field-{n}", TextArea).text.strip() for n in (1, 2, 3)):
            preview.update(Text("Type the card: the cards it makes show here.", style="dim"))
            return
        cards, problems = preview_cards(card)
        preview.update(render_preview(cards, problems))

    def action_add(self) -> None:
        card = self.card()
        try:
            added, _summary = add_card(self.study.database, self.study.clock, card)
        except UserError as exc:
            self.notify(str(exc), title="Not added", severity="error")
            return
        self.added.append(added.content_id)
        made = f"{added.cards} cards" if added.cards != 1 else "1 card"
        self.notify(
            f"Added {added.content_id} to {added.deck} ({made})\n{added.path}", title="Added"
        )
        for number in (1, 2, 3):
            self.query_one(f"#field-{number}", TextArea).text = ""
        self.query_one("#field-1", TextArea).focus()

    def action_close(self) -> None:
        self.app.pop_screen()


def render_preview(cards, problems: list[str]) -> Group:
    parts: list = []
    if problems:
        parts.append(Text("Not a card yet:", style="bold red"))
        parts.extend(Text(f"· {p}", style="red") for p in problems)
        return Group(*parts)
    for number, card in enumerate(cards, start=1):
        parts.append(Text(f"Card {number} of {len(cards)} · {card.kind}", style="bold"))
        parts.append(RichMarkdown(card.front))
        if card.kind == "choice":
            options = Text()
            for option in card.extra.get("options", []):
                options.append(
                    ("✔ " if option.get("correct") else "· ") + option.get("text", "") + "\n",
                    style="green3" if option.get("correct") else "",
                )
            parts.append(options)
        parts.append(Text("answer", style="dim underline"))
        parts.append(RichMarkdown(card.back))
        parts.append(Text(""))
    return Group(*parts)
