"""Dashboard: every deck with new / learning / due counts, today's reviews, the streak,
a 12-week heatmap, and keys to study one deck or everything due."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from studyapp.tui.messages import DashboardLoaded, DatabaseReady, LoadFailed
from studyapp.tui.widgets.heatmap import Heatmap

ALL_DECKS = "__all__"


def load_dashboard(app) -> tuple[list, object]:
    """Blocking: today's queue counts per deck (QueueCounts) and the activity numbers."""
    from studyapp.study.activity import activity

    database = app.database
    hour = app.day_start_hour  # read before any session below: never nest units of work
    decks = app.service.counts()
    with database.unit_of_work() as session:
        numbers = activity(session, app.clock.now(), hour=hour)
    return decks, numbers


class DashboardScreen(Screen):
    LABEL = "Dashboard"
    BINDINGS = [
        Binding("s", "study_selected", "Study"),
        Binding("a", "study_all", "Study all"),
        Binding("x", "exercises", "Exercises"),
        Binding("r", "refresh", "Refresh", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="dash-body"):
            with Vertical(id="decks-panel"):
                yield DataTable(id="decks", cursor_type="row", zebra_stripes=True)
                yield Static("Opening your decks…", id="decks-status")
            with Vertical(id="side-panel"):
                yield Static("", id="today")
                yield Heatmap(12, id="heatmap")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#decks-panel").border_title = "Decks"
        self.query_one("#today").border_title = "Today"
        self.query_one("#heatmap").border_title = "Last 12 weeks"
        table = self.query_one("#decks", DataTable)
        table.add_column("Deck", key="deck")
        table.add_column("New", key="new")
        table.add_column("Learn", key="learning")
        table.add_column("Due", key="review")

    def on_screen_resume(self) -> None:
        # The first resume comes right after mounting, later ones when a session ends.
        # Loading waits for the frame to be drawn: the worker thread would compete with
        # the first paint for the interpreter.
        self.call_after_refresh(self.load)

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="dashboard")
    def load(self) -> None:
        try:
            if not self.app.announced_ready:  # the first load: open, then apply the preferences
                self.app.announced_ready = True
                database = self.app.database
                from studyapp.study.preferences import load_preferences

                with database.unit_of_work() as session:
                    self.app.post_message(DatabaseReady(load_preferences(session)))
            decks, numbers = load_dashboard(self.app)
        except Exception as exc:  # shown, not raised: the app stays usable
            self.post_message(LoadFailed("decks", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(DashboardLoaded(decks, numbers))

    def on_dashboard_loaded(self, message: DashboardLoaded) -> None:
        self.app.deck_titles = {d.slug: d.title for d in message.decks}
        table = self.query_one("#decks", DataTable)
        selected = table.cursor_row
        table.clear()
        from studyapp.scheduling.service import with_subdecks  # loaded already: the app's service

        totals = with_subdecks(message.decks)  # a parent counts its subdecks, as in Anki
        for deck in message.decks:
            new, learning, review = totals[deck.slug]
            title = "  " * deck.depth + (deck.title.rpartition("::")[2] if deck.depth else deck.title)
            table.add_row(title, _count(new, "new"), _count(learning, "learning"),
                          _count(review, "review"), key=deck.slug)
        if message.decks:
            table.add_row(
                "All decks",
                _count(sum(d.new for d in message.decks), "new"),
                _count(sum(d.learning for d in message.decks), "learning"),
                _count(sum(d.review for d in message.decks), "review"),
                key=ALL_DECKS,
            )
            table.move_cursor(row=min(selected, table.row_count - 1))
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
        self.query_one("#heatmap", Heatmap).show(numbers)

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
        if not self.app.database_ready:
            self.notify("Still opening the database…")
            return
        self.app.study(self._selected_slug())

    def action_study_all(self) -> None:
        if not self.app.database_ready:
            self.notify("Still opening the database…")
            return
        self.app.study(None)

    def action_exercises(self) -> None:
        self.app.browse("kind:exercise")


COUNT_STYLES = {"new": "bold dodger_blue1", "learning": "bold dark_orange", "review": "bold green3"}


def _count(value: int, kind: str) -> Text:
    return Text(str(value), style=COUNT_STYLES[kind] if value else "dim", justify="right")
