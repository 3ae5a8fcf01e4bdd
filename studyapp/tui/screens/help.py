"""Help (?): every key of every screen, generated from the bindings themselves so the
list can never drift from what the keys do."""

from __future__ import annotations

import importlib

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SCREEN_CLASSES = (
    ("studyapp.tui.screens.dashboard", "DashboardScreen"),
    ("studyapp.tui.screens.review", "ReviewScreen"),
    ("studyapp.tui.screens.exercise", "ExerciseScreen"),
    ("studyapp.tui.screens.browse", "BrowseScreen"),
    ("studyapp.tui.screens.stats", "StatsScreen"),
    ("studyapp.tui.screens.settings", "SettingsScreen"),
    ("studyapp.tui.screens.add_card", "AddCardScreen"),
)

# Keys that live outside BINDINGS (Textual's own, or handled by widgets).
EXTRA_KEYS = {
    "Everywhere": [
        ("ctrl+p", "Command palette: every action by name"),
        ("tab / shift+tab", "Move between panels"),
    ],
    "Review": [
        ("1-9", "Before the answer, on a choice card: pick options (shuffled for every showing)"),
        ("enter", "On a typed-answer card: compare what you typed with the answer"),
    ],
}


def key_label(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    return " / ".join(_pretty(k) for k in binding.key.split(","))


def _pretty(key: str) -> str:
    return {"question_mark": "?", "comma": ",", "space": "space", "escape": "esc"}.get(
        key.strip(), key.strip()
    )


def binding_rows(bindings) -> list[tuple[str, str]]:
    rows, seen = [], set()
    for binding in bindings:
        if isinstance(binding, tuple):
            binding = Binding(*binding)
        if not binding.description or (binding.action, binding.description) in seen:
            continue
        seen.add((binding.action, binding.description))
        rows.append((key_label(binding), binding.description))
    return rows


def help_sections(current=None) -> list[tuple[str, list[tuple[str, str]]]]:
    # deferred: app.py imports this screen (import cycle)
    from studyapp.tui.app import StudyApp

    sections = []
    for module_name, class_name in SCREEN_CLASSES:
        screen_class = getattr(importlib.import_module(module_name), class_name)
        label = getattr(screen_class, "LABEL", class_name)
        rows = binding_rows(screen_class.BINDINGS) + EXTRA_KEYS.get(label, [])
        rows += getattr(screen_class, "HELP_EXTRA", [])
        sections.append((label, rows))
    if current is not None:
        current_label = getattr(current, "LABEL", None)
        sections.sort(key=lambda section: section[0] != current_label)
    everywhere = binding_rows(StudyApp.BINDINGS) + EXTRA_KEYS["Everywhere"]
    return [*sections, ("Everywhere", everywhere)]


def render_section(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=Text(title, style="bold"), title_justify="left", show_header=False,
                  box=None, padding=(0, 2, 0, 0), expand=False)
    table.add_column("key", style="bold cyan", no_wrap=True, min_width=12)
    table.add_column("action")
    for key, description in rows:
        table.add_row(key, description)
    return table


class HelpScreen(ModalScreen[None]):
    LABEL = "Help"
    CSS_PATH = "../styles/help.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="esc"),
    ]

    def __init__(self, current=None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body") as body:
            body.border_title = "Keys"
            body.border_subtitle = "esc closes · ctrl+p finds any action by name"
            for title, rows in help_sections(self.current):
                yield Static(render_section(title, rows), classes="help-section")
