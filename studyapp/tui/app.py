"""The studyapp Textual application, built from its dependencies so tests can pass fakes.

The app itself only wires things together: the screens live in `screens/`, reusable
widgets in `widgets/`, command palette providers in `commands/`, messages in
`messages/` and styles in `styles/*.tcss`. Screens other than the dashboard are
imported when first shown, which keeps `studyapp` quick to its first frame.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker

from studyapp.clock import Clock
from studyapp.tui.commands import COMMAND_PROVIDERS
from studyapp.tui.grader import Grader
from studyapp.tui.messages import DashboardLoaded, DatabaseReady
from studyapp.tui.screens.base import report_failed_worker
from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.study_service import DatabaseSource, StudyService

if TYPE_CHECKING:
    from studyapp.study.custom import FilteredSession
    from studyapp.study.database import SerializedDatabase
    from studyapp.study.preferences import Preferences

# (grading device, database) -> a grader, not started yet
GraderFactory = Callable[[str, "SerializedDatabase"], Grader]

# name -> (module, class): the screens the app navigates between; each is built from
# the app's StudyService (`screen_class(self.study_service)`).
SCREENS_BY_NAME = {
    "browse": ("studyapp.tui.screens.browse", "BrowseScreen"),
    "stats": ("studyapp.tui.screens.stats", "StatsScreen"),
    "settings": ("studyapp.tui.screens.settings", "SettingsScreen"),
}


def is_text_field(widget: object) -> bool:
    """Input or TextArea (by name: importing TextArea here would slow the first frame)."""
    return widget is not None and any(c.__name__ in ("Input", "TextArea")
                                      for c in type(widget).__mro__)


class StudyApp(App[None]):
    TITLE = "studyapp"
    SUB_TITLE = "deep learning, spaced"
    CSS_PATH = "styles/app.tcss"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | set(COMMAND_PROVIDERS)
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("f1", "help_anywhere", "Help", show=False),
        Binding("d", "goto('dashboard')", "Dashboard", show=False),
        Binding("b", "goto('browse')", "Browse"),
        Binding("t", "goto('stats')", "Stats"),
        Binding("comma", "goto('settings')", "Settings", key_display=","),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        database: DatabaseSource,
        clock: Clock,
        grader: Grader | None = None,
        *,
        grader_factory: GraderFactory | None = None,
        day_start_hour: int | None = None,
        cursor_blink: bool = True,
        editor: str | None = None,
        start_exercise: int | None = None,
    ) -> None:
        super().__init__()
        self.study_service = StudyService(database, clock, day_start_hour=day_start_hour)
        self.grader = grader
        self.grader_factory = grader_factory
        self.cursor_blink = cursor_blink
        self.editor = editor
        self.start_exercise = start_exercise  # a card id: open it once the database is ready

    def current_grader(self) -> Grader | None:
        """The grader now (None until the dashboard has drawn its decks, or without one); screens get
        this function, since a device change replaces the grader."""
        return self.grader

    def preferences_changed(self, preferences: Preferences) -> None:
        """Settings saved: apply the theme, rebuild what depends on the day start or device."""
        old = self.study_service.loaded_preferences
        self.study_service.use_preferences(preferences)
        self.apply_theme(preferences.theme)
        device_changed = old is not None and old.grading_device != preferences.grading_device
        if device_changed and self.grader_factory:
            self._close_grader()
            self._start_grader()

    def apply_theme(self, theme: str) -> None:
        if theme in self.available_themes and theme != self.theme:
            self.theme = theme

    # -- lifecycle ----------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return DashboardScreen(self.study_service)

    def on_database_ready(self, message: DatabaseReady) -> None:
        self.study_service.use_preferences(message.preferences)
        self.apply_theme(message.preferences.theme)
        if self.start_exercise is not None:  # `studyapp practice EXERCISE`: it wants the grader now
            self._start_grader()
            card_id, self.start_exercise = self.start_exercise, None
            self.open_exercise(card_id)

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        # Otherwise the grader starts once the deck table is drawn: its worker imports torch,
        # which on two cores held back the database work that fills the table by ~0.25 s.
        self.call_after_refresh(self._start_grader)

    def _start_grader(self) -> None:
        if self.grader is not None or self.grader_factory is None:
            return
        try:
            study = self.study_service
            grader = self.grader_factory(study.preferences.grading_device, study.database)
            grader.start()
            self.grader = grader
        except Exception as exc:  # the app stays useful for flashcards
            self.grader = None
            self.notify(f"The grader could not start: {exc}", severity="error", timeout=8)

    def _close_grader(self) -> None:
        grader, self.grader = self.grader, None
        if grader is not None:
            try:
                grader.close()
            except Exception:
                pass

    async def action_quit(self) -> None:
        self.save_drafts()
        self.exit()

    def save_drafts(self) -> None:
        """Save what is typed in any open exercise (the app is about to close)."""
        for screen in self.screen_stack:
            save = getattr(screen, "save_draft", None)
            if save is not None:
                save()

    def on_unmount(self) -> None:
        self.save_drafts()
        if self.grader_factory is not None:
            self._close_grader()

    # -- navigation ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Letter keys type into a focused text field: hide (and skip) what they would do.
        if action in ("goto", "quit", "help") and is_text_field(self.screen.focused):
            return False
        return True

    def action_help_anywhere(self) -> None:
        self.action_help()

    def action_help(self) -> None:
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_goto(self, name: str) -> None:
        """Show a top-level screen: pop back to it when it is already open, else push it."""
        if name == "dashboard":
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        module_name, class_name = SCREENS_BY_NAME[name]
        # deferred: only screen switching needs it; app.py is on the first-frame path
        import importlib

        screen_class = getattr(importlib.import_module(module_name), class_name)
        if isinstance(self.screen, screen_class):
            return
        for index, screen in enumerate(self.screen_stack):
            if isinstance(screen, screen_class):
                while len(self.screen_stack) > index + 1:
                    self.pop_screen()
                return
        self.push_screen(screen_class(self.study_service))

    def browse(self, query: str) -> None:
        """Browse with a search already typed (the dashboard's exercises key)."""
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.browse import BrowseScreen

        self.action_goto("browse")
        screen = self.screen
        assert isinstance(screen, BrowseScreen)
        if screen.is_mounted:
            screen.set_query(query)
        else:
            screen.initial_query = query

    def study(self, deck: str | None = None, *, ignore_prerequisites: bool = False,
              filtered: FilteredSession | None = None) -> None:
        """Start a review session: one deck, or everything due when `deck` is None;
        `ignore_prerequisites` releases a locked deck's new cards, `filtered` studies a
        custom-study list instead of today's queue."""
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(self.study_service, self.current_grader, deck,
                                      ignore_prerequisites=ignore_prerequisites,
                                      filtered=filtered))

    def add_card(self, deck: str | None = None) -> None:
        """The Add screen, its deck field filled with `deck` (a slug) when given."""
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.add_card import AddCardScreen

        titles = self.study_service.deck_titles
        title = titles.get(deck, deck) if deck else None
        self.push_screen(AddCardScreen(self.study_service, title))

    def custom_study(self, deck: str | None = None) -> None:
        """Anki's Custom Study dialog for `deck` (None: every deck)."""
        self._ask_custom_study(deck)

    # a dialog's worker: its group ends in "-dialog" (see StudyScreen)
    @work(exclusive=True, group="custom-study-dialog", exit_on_error=False,
          name="start a custom study")
    async def _ask_custom_study(self, deck: str | None) -> None:
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.custom_study import CustomStudyDialog, start_custom_study

        titles = self.study_service.deck_titles
        title = titles.get(deck, deck) if deck else None
        request = await self.push_screen_wait(CustomStudyDialog(deck, title))
        start_custom_study(self, self.study_service, request)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)

    def open_exercise(self, card_id: int) -> None:
        # deferred: a screen's module loads when it is first opened (fast first frame)
        from studyapp.tui.screens.exercise import ExerciseScreen

        self.push_screen(ExerciseScreen.for_card(card_id, self.study_service, self.current_grader))
