"""Settings: desired retention, daily limits, learning steps (per deck, or every deck at
once), prerequisite ordering and typed answers (per deck or globally), the day start
hour, the grading device and the theme; saved in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Header, Input, Label, Select, Static

from studyapp.tui.navigation import navigator
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.study_footer import StudyFooter

if TYPE_CHECKING:
    from studyapp.scheduling.prerequisites import PrerequisiteSettings
    from studyapp.scheduling.presets import Preset
    from studyapp.study.preferences import Preferences
    from studyapp.tui.study_service import StudyService

ALL_DECKS = "__all__"

# (preset field, label, help)
PRESET_FIELDS = (
    ("desired_retention", "Desired retention", "0.70-0.99"),
    ("new_per_day", "New cards per day", "per deck"),
    ("reviews_per_day", "Reviews per day", "per deck"),
    ("learning_steps", "Learning steps", "e.g. 1m 10m"),
    ("relearning_steps", "Relearning steps", "e.g. 10m"),
    ("exercise_learning_steps", "Exercise learning steps", "days, e.g. 1d 3d"),
    ("exercise_relearning_steps", "Exercise relearning steps", "days, e.g. 1d"),
    ("maximum_interval", "Maximum interval (days)", ""),
    ("leech_threshold", "Leech after lapses", ""),
)


@dataclass(frozen=True)
class StoredSettings:
    """What the settings screen shows, as stored."""

    decks: list[tuple[str, str]]  # (slug, title) of every live deck, in order
    presets: dict[str, Preset]  # by deck slug
    preferences: Preferences
    ordering: PrerequisiteSettings
    typed_decks: set[str]


def read_settings(study: StudyService) -> StoredSettings:
    """Blocking: every stored setting the screen shows."""
    # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
    from studyapp.scheduling.prerequisites import load_prerequisite_settings
    from studyapp.scheduling.presets import load_presets
    from studyapp.storage.queries import live_deck_titles
    from studyapp.study.preferences import load_preferences
    from studyapp.study.typed import typed_decks

    with study.database.unit_of_work() as session:
        decks = live_deck_titles(session)
        return StoredSettings(decks, load_presets(session, [slug for slug, _ in decks]),
                              load_preferences(session), load_prerequisite_settings(session),
                              typed_decks(session))


def _yes_no(widget_id: str, *, yes_first: bool) -> Select[bool]:
    """A compact yes/no choice; the first option is the default's."""
    options = [("yes", True), ("no", False)] if yes_first else [("no", False), ("yes", True)]
    return Select(options, id=widget_id, allow_blank=False, compact=True)


class SettingsScreen(StudyScreen):
    LABEL = "Settings"
    CSS_PATH = "../styles/settings.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "back", "Back"),
    ]
    HELP_EXTRA = [("tab / shift+tab", "Next / previous setting"), ("enter", "In a field: save")]

    def __init__(self, study: StudyService) -> None:
        super().__init__()
        self.study = study
        self.decks: list[tuple[str, str]] = []
        self.dirty = False
        self._loading = False

    def compose(self) -> ComposeResult:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.preferences import DEVICES

        yield Header()
        with VerticalScroll(id="settings-form"):
            yield Static("Scheduling", classes="settings-heading")
            yield self._row(
                "Decks",
                Select([("All decks", ALL_DECKS)], id="scope", allow_blank=False, compact=True),
                "which presets to edit",
            )
            for name, label, help_text in PRESET_FIELDS:
                yield self._row(label, Input(id=name, compact=True), help_text)
            yield self._row("Suspend leeches", _yes_no("leech_suspend", yes_first=False),
                            "or only tag them")
            yield self._row("Prerequisites first", _yes_no("prerequisites", yes_first=True),
                            "required decks come first")
            yield self._row("Typed answers", _yes_no("typed_answers", yes_first=False),
                            "type basic answers")
            yield Static("App", classes="settings-heading")
            yield self._row(
                "Day starts at (hour)",
                Input(id="day_start_hour", type="integer", compact=True),
                "0-23, local time",
            )
            yield self._row(
                "Grading device",
                Select(
                    [(d, d) for d in DEVICES], id="grading_device", allow_blank=False, compact=True
                ),
                "auto = cuda when present",
            )
            themes = sorted(self.app.available_themes)
            yield self._row(
                "Theme",
                Select([(t, t) for t in themes], id="theme", allow_blank=False, compact=True),
                "",
            )
        yield Static("", id="settings-status")
        yield StudyFooter()

    def _row(self, label: str, widget, help_text: str) -> Horizontal:
        return Horizontal(Label(label, classes="setting-label"), widget,
                          Static(help_text, classes="setting-help"), classes="setting-row")

    def on_mount(self) -> None:
        for widget in self.query(Input):
            widget.cursor_blink = getattr(self.app, "cursor_blink", True)
        self.load()

    def load(self, scope: str = ALL_DECKS, *, presets_only: bool = False) -> None:
        """Read the settings in a worker thread, then show them (`presets_only`: only the
        presets and switches of `scope`, keeping what is typed in the app's fields)."""
        self._loading = True
        self._load(scope, presets_only)

    @work(thread=True, exclusive=True, group="settings-load", exit_on_error=False,
          name="load the settings")
    def _load(self, scope: str, presets_only: bool) -> None:
        stored = read_settings(self.study)
        self.app.call_from_thread(self._show, stored, scope, presets_only)

    def _show(self, stored: StoredSettings, scope: str, presets_only: bool) -> None:
        self._loading = True
        self.decks = stored.decks
        if not presets_only:
            scope_select = self.query_one("#scope", Select)
            scope_select.set_options([("All decks", ALL_DECKS),
                                      *[(title, slug) for slug, title in self.decks]])
            scope_select.value = scope
            preferences = stored.preferences
            self.query_one("#day_start_hour", Input).value = str(preferences.day_start_hour)
            self.query_one("#grading_device", Select).value = preferences.grading_device
            if preferences.theme in self.app.available_themes:
                self.query_one("#theme", Select).value = preferences.theme
        self._show_preset(stored, scope)
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self._loading = False
        self.dirty = False

    def _show_preset(self, stored: StoredSettings, scope: str) -> None:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.scheduling.presets import Preset

        presets = stored.presets
        if scope == ALL_DECKS:
            distinct = {presets[slug] for slug, _ in self.decks}
            preset = next(iter(distinct)) if len(distinct) == 1 else Preset()
            note = ("" if len(distinct) <= 1
                    else "Decks differ: saving gives every deck these values.")
        else:
            preset, note = presets.get(scope, Preset()), ""
        values = preset.to_dict()
        for name, _, _ in PRESET_FIELDS:
            value = values[name]
            shown = " ".join(value) if isinstance(value, list) else str(value)
            self.query_one(f"#{name}", Input).value = shown
        self.query_one("#leech_suspend", Select).value = bool(preset.leech_suspend)
        self._show_deck_switches(stored, scope)
        self.query_one("#settings-status", Static).update(note)

    def _show_deck_switches(self, stored: StoredSettings, scope: str) -> None:
        ordering, typed = stored.ordering, stored.typed_decks
        prerequisites = self.query_one("#prerequisites", Select)
        typed_answers = self.query_one("#typed_answers", Select)
        if scope == ALL_DECKS:
            prerequisites.value = ordering.enabled
            typed_answers.value = bool(self.decks) and all(s in typed for s, _ in self.decks)
        else:
            prerequisites.value = ordering.applies_to(scope)
            typed_answers.value = scope in typed

    def _save_deck_switches(self, session, slugs: list[str], scope: str) -> None:
        """Prerequisite ordering: globally for all decks, else for the one deck; typed
        answers for every deck in scope."""
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.scheduling.prerequisites import (
            PrerequisiteSettings,
            load_prerequisite_settings,
            save_prerequisite_settings,
            set_deck_ordering,
        )

        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.typed import set_typed_deck

        ordering_on = bool(self.query_one("#prerequisites", Select).value)
        if scope == ALL_DECKS:
            current = load_prerequisite_settings(session)
            save_prerequisite_settings(session, PrerequisiteSettings(ordering_on, current.off))
        else:
            set_deck_ordering(session, scope, ordering_on)
        typed_on = bool(self.query_one("#typed_answers", Select).value)
        for slug in slugs:
            set_typed_deck(session, slug, typed_on)

    @on(Select.Changed, "#scope")
    def _scope_changed(self, event: Select.Changed) -> None:
        if not self._loading:
            self.load(str(event.value), presets_only=True)

    @on(Input.Changed)
    @on(Select.Changed, "#grading_device, #theme, #leech_suspend, #prerequisites, #typed_answers")
    def _changed(self) -> None:
        if not self._loading:
            self.dirty = True

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def collect(self):
        """The preset and preferences on screen, validated (raises ValueError)."""
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.study.preferences import Preferences

        raw = {
            name: self.query_one(f"#{name}", Input).value.strip() for name, _, _ in PRESET_FIELDS
        }
        try:
            numbers = {
                "desired_retention": float(raw["desired_retention"]),
                "new_per_day": int(raw["new_per_day"]),
                "reviews_per_day": int(raw["reviews_per_day"]),
                "maximum_interval": int(raw["maximum_interval"]),
                "leech_threshold": int(raw["leech_threshold"]),
            }
        except ValueError as exc:
            raise ValueError(f"not a number: {exc}") from exc
        changes = {
            **numbers,
            "learning_steps": tuple(raw["learning_steps"].split()),
            "relearning_steps": tuple(raw["relearning_steps"].split()),
            "exercise_learning_steps": tuple(raw["exercise_learning_steps"].split()),
            "exercise_relearning_steps": tuple(raw["exercise_relearning_steps"].split()),
            "leech_suspend": bool(self.query_one("#leech_suspend", Select).value),
        }
        hour_text = self.query_one("#day_start_hour", Input).value.strip()
        try:
            hour = int(hour_text)
        except ValueError as exc:
            raise ValueError(
                f"the day start hour must be a whole number, got {hour_text!r}"
            ) from exc
        preferences = Preferences(
            day_start_hour=hour,
            grading_device=str(self.query_one("#grading_device", Select).value),
            theme=str(self.query_one("#theme", Select).value),
        )
        return changes, preferences

    def action_save(self) -> None:
        # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
        from studyapp.scheduling.presets import load_presets, save_preset
        from studyapp.study.preferences import save_preferences

        try:
            changes, preferences = self.collect()
            scope = str(self.query_one("#scope", Select).value)
            slugs = [slug for slug, _ in self.decks] if scope == ALL_DECKS else [scope]
            with self.study.database.unit_of_work() as session:
                presets = load_presets(session, slugs)
                for slug in slugs:
                    save_preset(session, slug, presets[slug].with_changes(**changes))
                self._save_deck_switches(session, slugs, scope)
                save_preferences(session, preferences)
        except ValueError as exc:
            self.query_one("#settings-status", Static).update(f"[red]Not saved:[/red] {exc}")
            self.notify(str(exc), title="Not saved", severity="error")
            return
        self.dirty = False
        where = "every deck" if scope == ALL_DECKS else scope
        self.query_one("#settings-status", Static).update(f"Saved ({where}).")
        self.notify(f"Settings saved for {where}.")
        navigator(self).preferences_changed(preferences)

    @work(exclusive=True, group="settings-dialog", exit_on_error=False,
          name="leave the settings")
    async def action_back(self) -> None:
        if not self.dirty:
            self.app.pop_screen()
            return
        # deferred: the dialog opens only on demand
        from studyapp.tui.screens.dialogs import ConfirmDialog

        dialog = ConfirmDialog("Discard your unsaved changes?", yes="Discard", no="Keep editing")
        if await self.app.push_screen_wait(dialog):
            self.app.pop_screen()
