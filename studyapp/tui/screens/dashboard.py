"""Dashboard: every deck with new / learning / due counts, today's reviews, the streak,
a 12-week heatmap, and keys to study one deck or everything due.

A deck whose new cards wait for its prerequisites says so ("after: Mini-batches
(12/40)"); `s` on it offers to study it anyway, `c` opens custom study. Below 100
columns the side panel gives way to one line, so the counts always show."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Header, Static

from studyapp.tui import startup_gc
from studyapp.tui.messages import DashboardLoaded, DatabaseReady, LoadFailed
from studyapp.tui.navigation import navigator
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.heatmap import Heatmap
from studyapp.tui.widgets.study_footer import StudyFooter

if TYPE_CHECKING:
    from studyapp.scheduling.service import QueueCounts
    from studyapp.study.activity import RecentActivity
    from studyapp.tui.study_service import StudyService

ALL_DECKS = "__all__"
NARROW = 100  # below this many columns the side panel folds into one line
COUNT_WIDTH = 5
LOCK_STYLE = "dark_orange"
FIRST_LOAD_AT_LATEST = 1.0  # seconds: when the footer never says its keys are drawn


def load_dashboard(study: StudyService) -> tuple[list[QueueCounts], RecentActivity]:
    """Blocking: today's queue counts per deck and the activity numbers."""
    # deferred: pulls in SQLAlchemy; the dashboard's worker loads it after the first frame
    from studyapp.study.activity import activity

    database = study.database
    hour = study.day_start_hour  # read before any session below: never nest units of work
    decks = study.reviews.counts(with_locks=True)
    with database.unit_of_work() as session:
        numbers = activity(session, study.clock.now(), hour=hour)
    return decks, numbers


class DashboardScreen(StudyScreen):
    LABEL = "Dashboard"
    BINDINGS = [
        Binding("s", "study_selected", "Study"),
        Binding("a", "study_all", "Study all"),
        Binding("x", "exercises", "Exercises"),
        Binding("c", "custom_study", "Custom"),
        Binding("n", "add_card", "Add"),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    def __init__(self, study: StudyService) -> None:
        super().__init__()
        self.study = study
        self.decks: list[QueueCounts] = []
        self.activity: RecentActivity | None = None
        self._first_load_waiting = True
        self._first_load_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dash-body"):
            with Vertical(id="decks-panel"):
                yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
                yield Static("", id="deck-info")
                yield Static("Opening your decks…", id="decks-status")
                yield Static("", id="today-line")
            with Vertical(id="side-panel"):
                yield Static("", id="today")
                yield Heatmap(12, id="heatmap")
        yield StudyFooter()

    def on_mount(self) -> None:
        self.query_one("#decks-panel").border_title = "Decks"
        self.query_one("#today").border_title = "Today"
        self.query_one("#heatmap").border_title = "Last 12 weeks"
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck", width=20)
        table.add_column(Text("New", justify="right"), key="new", width=COUNT_WIDTH)
        table.add_column(Text("Learn", justify="right"), key="learning", width=COUNT_WIDTH)
        table.add_column(Text("Due", justify="right"), key="review", width=COUNT_WIDTH)
        self._fit(self.app.size.width)

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Fold the side panel below NARROW columns; give the deck titles what is left."""
        narrow = width < NARROW
        self.query_one("#side-panel").display = not narrow
        self.query_one("#today-line").display = narrow and self.activity is not None
        self.call_after_refresh(self._show_rows)

    def _title_width(self) -> int:
        table = self.query_one("#decks", DataTable)
        usable = table.size.width or max(
            20, self.app.size.width - (6 if self.app.size.width < NARROW else 40)
        )
        # every column has one cell of padding each side; keep one column for the scrollbar
        return max(8, usable - 3 * (COUNT_WIDTH + 2) - 2 - 1)

    def on_screen_resume(self) -> None:
        # The first resume comes right after mounting: loading waits for the footer's keys
        # to be drawn (a worker thread would compete with the first paint for the
        # interpreter), or a second at most. Later resumes come when a session ends.
        if self._first_load_waiting:
            self._first_load_timer = self.set_timer(FIRST_LOAD_AT_LATEST, self._first_load)
        else:
            self.call_after_refresh(self.load)

    def on_study_footer_keys_drawn(self, message: StudyFooter.KeysDrawn) -> None:
        self._first_load()

    def _first_load(self) -> None:
        if self._first_load_waiting:
            self._first_load_waiting = False
            if self._first_load_timer is not None:
                self._first_load_timer.stop()
            startup_gc.resume()
            self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="dashboard", exit_on_error=False,
          name="load the decks")
    def load(self) -> None:
        try:
            if self.study.first_open():  # open, then apply the preferences
                database = self.study.database
                # deferred: pulls in SQLAlchemy; the dashboard's worker loads it after the first frame
                from studyapp.study.preferences import load_preferences

                with database.unit_of_work() as session:
                    self.app.post_message(DatabaseReady(load_preferences(session)))
            decks, numbers = load_dashboard(self.study)
        except Exception as exc:  # shown, not raised: the app stays usable
            self.post_message(LoadFailed("decks", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DashboardLoaded(decks, numbers))

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        self.study.deck_titles = {d.slug: d.title for d in message.decks}
        self.decks = list(message.decks)
        self.activity = message.activity
        self._show_rows()
        status = self.query_one("#decks-status", Static)
        status.update("No decks yet: run `studyapp sync`." if not message.decks else "")
        status.display = not message.decks
        numbers = message.activity
        due = sum(d.total for d in message.decks)
        days = "day" if numbers.streak == 1 else "days"
        self.query_one("#today", Static).update(
            f"[b]{numbers.reviews_today}[/b] reviews done\n"
            f"[b]{numbers.streak}[/b] {days} streak\n"
            f"[b]{due}[/b] cards to study now"
        )
        self.query_one("#today-line", Static).update(
            f"[b]{numbers.reviews_today}[/b] reviews today · "
            f"[b]{numbers.streak}[/b] {days} streak · [b]{due}[/b] to study now"
        )
        self.query_one("#today-line").display = self.app.size.width < NARROW
        self.query_one("#heatmap", Heatmap).show(numbers)

    def _show_rows(self) -> None:
        """The deck rows, titles cut to the room there is (with an ellipsis)."""
        table = self.query_one("#decks", DataTable)
        width = self._title_width()
        column = next(c for c in table.columns.values() if c.key.value == "deck")
        column.width = width
        selected = table.cursor_row
        table.clear()
        # deferred: kept off the first-frame path (dashboard.py) until the decks arrive
        from studyapp.scheduling.deck_tree import (
            with_subdecks,  # light: no SQLAlchemy on the UI thread
        )

        totals = with_subdecks(self.decks)  # a parent counts its subdecks, as in Anki
        for deck in self.decks:
            new, learning, review = totals[deck.slug]
            table.add_row(deck_label(deck, width), _count(new, "new"), _count(learning, "learning"),
                          _count(review, "review"), key=deck.slug)
        if self.decks:
            table.add_row(
                "All decks",
                _count(sum(d.new for d in self.decks), "new"),
                _count(sum(d.learning for d in self.decks), "learning"),
                _count(sum(d.review for d in self.decks), "review"),
                key=ALL_DECKS,
            )
            table.move_cursor(row=min(max(selected, 0), table.row_count - 1))
        table.refresh()
        self._describe_selected()

    @on(DataTable.RowHighlighted, "#decks")
    def _row_highlighted(self) -> None:
        self._describe_selected()

    def _describe_selected(self) -> None:
        """One line under the table on the highlighted deck: why it is locked, and what to do."""
        info = self.query_one("#deck-info", Static)
        deck = self._selected_deck()
        if deck is None or deck.lock is None:
            info.display = False
            return
        info.update(
            Text.assemble(
                ("Locked ", f"bold {LOCK_STYLE}"),
                (deck.lock.describe(), LOCK_STYLE),
                ("\ns study it anyway · c custom study", "dim"),
            )
        )
        info.display = True

    def _selected_deck(self):
        slug = self._selected_slug()
        return next((d for d in self.decks if d.slug == slug), None)

    def on_load_failed(self, message: LoadFailed) -> None:
        status = self.query_one("#decks-status", Static)
        status.display = True
        status.update(f"[red]Could not load the {message.what}:[/red] {message.error}")

    def _selected_slug(self) -> str | None:
        table = self.query_one("#decks", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return None if key == ALL_DECKS else key

    @on(DataTable.RowSelected, "#decks")
    def _row_selected(self) -> None:
        self.action_study_selected()

    def action_study_selected(self) -> None:
        if not self.study.ready:
            self.notify("Still opening the database…")
            return
        deck = self._selected_deck()
        if deck is None or deck.lock is None:
            navigator(self).study(self._selected_slug())
            return
        self._ask_to_study_anyway(deck)

    # a dialog's worker: its group ends in "-dialog" (see ExerciseScreen's dialogs)
    @work(exclusive=True, group="study-anyway-dialog", exit_on_error=False,
          name="ask to study a locked deck")
    async def _ask_to_study_anyway(self, deck: QueueCounts) -> None:
        # deferred: the dialog opens only on demand
        from studyapp.tui.screens.dialogs import ConfirmDialog

        assert deck.lock is not None  # asked only about a locked deck
        otherwise = f"No studies only its {deck.total} due now." if deck.total else "No goes back."
        question = (f"{deck.title} is locked: its new cards come {deck.lock.describe()}.\n\n"
                    f"Study its new cards anyway? {otherwise}")
        anyway = await self.app.push_screen_wait(
            ConfirmDialog(question, yes="Study anyway", no="No"))
        if anyway:
            navigator(self).study(deck.slug, ignore_prerequisites=True)
        elif deck.total:
            navigator(self).study(deck.slug)

    def action_add_card(self) -> None:
        if not self.study.ready:
            self.notify("Still opening the database…")
            return
        navigator(self).add_card(self._selected_slug())

    def action_custom_study(self) -> None:
        if not self.study.ready:
            self.notify("Still opening the database…")
            return
        navigator(self).custom_study(self._selected_slug())

    def action_study_all(self) -> None:
        if not self.study.ready:
            self.notify("Still opening the database…")
            return
        navigator(self).study(None)

    def action_exercises(self) -> None:
        navigator(self).browse("kind:exercise")


COUNT_STYLES = {"new": "bold dodger_blue1", "learning": "bold dark_orange", "review": "bold green3"}


def deck_label(deck, width: int) -> Text:
    """The deck's title (a subdeck indented under its parent, by its own name), and for a
    locked deck why, cut to `width` with an ellipsis."""
    depth = getattr(deck, "depth", 0)
    text = Text("  " * depth + (deck.title.rpartition("::")[2] if depth else deck.title))
    if deck.lock is not None:
        text.append(f" · {deck.lock.describe()}", style=LOCK_STYLE)
    text.truncate(width, overflow="ellipsis")
    return text


def _count(value: int, kind: str) -> Text:
    return Text(str(value), style=COUNT_STYLES[kind] if value else "dim", justify="right")
