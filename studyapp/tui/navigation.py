"""What screens may ask of the app: going somewhere (study a deck, add a card, open an
exercise, ...). Screens get their data dependencies in their constructor; to move on they
ask the app through this narrow, typed interface instead of reaching into it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from studyapp.study.custom import FilteredSession
    from studyapp.study.preferences import Preferences
    from studyapp.tui.study_service import StudyService


class Navigator(Protocol):
    """The StudyApp's navigation (studyapp.tui.app.StudyApp implements it)."""

    study_service: StudyService
    cursor_blink: bool
    editor: str | None

    def study(self, deck: str | None = None, *, ignore_prerequisites: bool = False,
              filtered: FilteredSession | None = None) -> None: ...

    def add_card(self, deck: str | None = None) -> None: ...

    def custom_study(self, deck: str | None = None) -> None: ...

    def open_exercise(self, card_id: int) -> None: ...

    def browse(self, query: str) -> None: ...

    def action_goto(self, name: str) -> None: ...

    def action_help(self) -> None: ...

    def preferences_changed(self, preferences: Preferences) -> None: ...


def navigator(node: DOMNode) -> Navigator:
    """The app `node` runs in, as a Navigator."""
    return cast("Navigator", node.app)
