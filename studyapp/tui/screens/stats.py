"""Stats: where the learner stands. Card counts by state, recent activity and the
review heatmap; the stats package's charts join them when it is installed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from studyapp.tui.messages import LoadFailed, StatsLoaded
from studyapp.tui.widgets.heatmap import Heatmap


@dataclass(frozen=True)
class StatsData:
    states: dict[str, int]
    activity: object
    last_7: int
    last_30: int
    retention_30: float | None
    retention_reviews: int


def load_stats(app) -> StatsData:
    from datetime import date, timedelta

    from sqlalchemy import func, select

    from studyapp.storage.models import STATE_REVIEW, ReviewLog
    from studyapp.study.activity import activity, state_counts

    now = app.clock.now()
    hour = app.day_start_hour  # read before the session: never nest units of work
    with app.database.unit_of_work() as session:
        states = state_counts(session)
        numbers = activity(session, now, hour=hour)
        since = now - timedelta(days=30)
        total, remembered = session.execute(
            select(func.count(ReviewLog.id), func.sum((ReviewLog.rating > 1).cast(int)))
            .where(ReviewLog.reviewed_at >= since, ReviewLog.prev_state == STATE_REVIEW)
        ).one()
    today: date = numbers.today
    last_7 = sum(n for day, n in numbers.per_day.items() if (today - day).days < 7)
    last_30 = sum(n for day, n in numbers.per_day.items() if (today - day).days < 30)
    retention = (remembered or 0) / total if total else None
    return StatsData(states, numbers, last_7, last_30, retention, total or 0)


class StatsScreen(Screen):
    LABEL = "Stats"
    CSS_PATH = "../styles/stats.tcss"
    BINDINGS = [
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="stats-body"):
            with Horizontal(id="stats-top"):
                yield Static("Loading…", id="stats-counts")
                yield Static("", id="stats-activity")
            yield Heatmap(12, id="stats-heatmap")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stats-counts").border_title = "Cards"
        self.query_one("#stats-activity").border_title = "Activity"
        self.query_one("#stats-heatmap").border_title = "Reviews, last 12 weeks"
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="stats")
    def _load(self) -> None:
        try:
            data = load_stats(self.app)
        except Exception as exc:
            self.post_message(LoadFailed("stats", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(StatsLoaded(data))

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        data: StatsData = message.data
        counts = Table(box=None, show_header=False, padding=(0, 1))
        counts.add_column("state")
        counts.add_column("cards", justify="right")
        styles = {"new": "dodger_blue1", "learning": "dark_orange", "relearning": "red", "review": "green3",
                  "suspended": "dim"}
        for state, number in data.states.items():
            counts.add_row(Text(state, style=styles.get(state, "")), str(number))
        counts.add_row(Text("total", style="bold"), Text(str(sum(data.states.values())), style="bold"))
        self.query_one("#stats-counts", Static).update(counts)
        numbers = data.activity
        activity = Table(box=None, show_header=False, padding=(0, 1))
        activity.add_column("what")
        activity.add_column("value", justify="right")
        activity.add_row("reviews today", str(numbers.reviews_today))
        activity.add_row("last 7 days", str(data.last_7))
        activity.add_row("last 30 days", str(data.last_30))
        activity.add_row("current streak", f"{numbers.streak} d")
        retention = "—" if data.retention_30 is None else f"{100 * data.retention_30:.0f}%"
        activity.add_row("true retention, 30 d", retention)
        activity.add_row(Text("(reviews of mature+young cards)", style="dim"), Text(str(data.retention_reviews), style="dim"))
        self.query_one("#stats-activity", Static).update(activity)
        self.query_one("#stats-heatmap", Heatmap).show(numbers)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#stats-counts", Static).update(Text(f"Could not load the stats: {message.error}", style="red"))

    def action_back(self) -> None:
        self.app.pop_screen()
