"""The studyapp Textual application, built from its dependencies so tests can pass fakes."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from studyapp.clock import Clock
from studyapp.scheduling.days import next_day_start
from studyapp.storage.db import Database
from studyapp.storage.queries import deck_counts


class StudyApp(App[None]):
    TITLE = "studyapp"
    BINDINGS = [("q", "quit", "Quit"), ("r", "refresh", "Refresh")]

    def __init__(self, database: Database, clock: Clock) -> None:
        super().__init__()
        self.database = database
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="decks", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#decks", DataTable)
        table.add_columns("Deck", "Cards", "New", "Learning", "Due")
        self.action_refresh()

    def action_refresh(self) -> None:
        table = self.query_one("#decks", DataTable)
        table.clear()
        with self.database.unit_of_work() as session:
            rows = deck_counts(session, next_day_start(self.clock.now()))
        for row in rows:
            table.add_row(row.title, row.cards, row.new, row.learning, row.due, key=row.slug)
