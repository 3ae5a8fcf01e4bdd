"""Stats: where the learner stands. Activity (heatmap, periods, streaks), outlook (card
counts, due forecast, estimated knowledge), true retention, mastery by topic and for
exercises, and calibration (predicted recall against what happened). The numbers come
from studyapp.stats, the charts from widgets/stats_charts.py (textual-plotext)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import Header, Static, TabbedContent, TabPane

from studyapp.tui.formatting import duration

if TYPE_CHECKING:
    from rich.console import RenderableType

    from studyapp.stats.model import StatsPage
    from studyapp.tui.study_service import StudyService
from studyapp.tui.messages import LoadFailed, StatsLoaded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.heatmap import Heatmap
from studyapp.tui.widgets.study_footer import StudyFooter

TABS = (("activity", "Activity"), ("outlook", "Outlook"), ("retention", "Retention"),
        ("mastery", "Mastery"), ("calibration", "Calibration"))
HISTOGRAMS = ("interval", "stability", "difficulty", "retrievability")


def load_stats(study: StudyService) -> StatsPage:
    """Blocking: the whole stats page."""
    # deferred: the stats computation (and SQLAlchemy) loads in the screen's worker
    from studyapp.stats import compute_stats

    hour = study.day_start_hour  # read before the session: never nest units of work
    with study.database.unit_of_work() as session:
        return compute_stats(session, study.clock.now(), day_start_hour=hour)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def heatmap_activity(activity):
    """The stats' days as the heatmap widget's input."""
    # deferred: pulls in SQLAlchemy; loaded on first use, after the first frame
    from studyapp.study.activity import RecentActivity

    per_day = {date.fromisoformat(d.day): d.reviews for d in activity.days if d.reviews}
    return RecentActivity(date.fromisoformat(activity.today), per_day, activity.reviews_today, activity.current_streak)


def table(*columns: str, right_from: int = 1) -> Table:
    result = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    for index, column in enumerate(columns):
        result.add_column(column, justify="right" if index >= right_from else "left")
    return result


def render_activity(activity) -> Group:
    head = Text()
    head.append(f"{activity.current_streak}", style="bold")
    head.append(" day streak · longest ")
    head.append(f"{activity.longest_streak}", style="bold")
    head.append(" · all time ")
    head.append(f"{activity.all_time_reviews}", style="bold")
    head.append(" reviews")
    periods = table("period", "reviews", "per day", "days studied", "time")
    for period in activity.periods:
        periods.add_row(period.period, str(period.reviews), f"{period.reviews_per_day:.1f}",
                        f"{period.days_studied}/{period.days}", duration(period.time_ms / 1000))
    recent = activity.days[-14:]
    kinds = table("day", "learning", "young", "mature", "relearn", "total")
    for day in reversed(recent):
        if day.reviews:
            kinds.add_row(
                day.day,
                str(day.learning),
                str(day.young),
                str(day.mature),
                str(day.relearning),
                Text(str(day.reviews), style="bold"),
            )
    parts: list[RenderableType] = [head, Text(""), periods]
    if kinds.row_count:
        parts += [Text("\nReviews by kind, last 14 days", style="bold"), kinds]
    return Group(*parts)


def render_outlook(outlook) -> Group:
    counts = outlook.card_counts
    cards = table("cards", "count")
    for name in ("new", "learning", "relearning", "young", "mature", "suspended"):
        cards.add_row(name, str(getattr(counts, name)))
    cards.add_row(Text("total", style="bold"), Text(str(counts.total), style="bold"))
    due = table("due", "cards")
    for label, value in (("overdue", outlook.overdue), ("today", outlook.due_today),
                         ("tomorrow", outlook.due_tomorrow), ("next 30 days", outlook.due_next_30),
                         ("next 90 days", outlook.due_next_90)):
        due.add_row(label, str(value))
    knowledge = Text()
    knowledge.append("Estimated knowledge ", style="bold")
    knowledge.append(f"{outlook.estimated_knowledge:.1f} cards")
    knowledge.append(f" (average recall {percent(outlook.average_retrievability)} over "
                     f"{outlook.reviewed_cards} reviewed) · ")
    knowledge.append(f"{outlook.at_risk} at risk", style="bold red" if outlook.at_risk else "")
    knowledge.append(" (below their desired retention)", style="dim")
    grid = Table.grid(padding=(0, 4))
    grid.add_row(cards, due)
    return Group(grid, Text(""), knowledge)


def render_retention(retention) -> Group:
    rows = table("period", "young", "mature", "total")

    def cell(value) -> str:
        if not value.reviews:
            return "—"
        return f"{percent(value.retention)} ({value.passed}/{value.reviews})"

    for row in retention.rows:
        rows.add_row(
            row.period, cell(row.young), cell(row.mature), Text(cell(row.total), style="bold")
        )
    note = Text(
        "True retention: the share of reviews of cards in review (not learning) that were not "
        "rated Again. Young: interval under 21 days; mature: 21 days or more.",
        style="dim",
    )
    return Group(rows, Text(""), note)


def render_mastery(mastery) -> Group:
    topics = table("topic (weakest first)", "cards", "reviewed", "recall", "at risk")
    for group in mastery.topics:
        topics.add_row(
            group.name,
            str(group.cards),
            str(group.reviewed),
            percent(group.mean_retrievability),
            str(group.at_risk),
        )
    parts: list[RenderableType] = [topics]
    summary = mastery.exercises
    head = Text("\nExercises  ", style="bold")
    head.append(f"{summary.attempts} attempts · pass rate {percent(summary.pass_rate)} · "
                f"first try {percent(summary.first_try_rate)}", style="")
    if summary.median_pass_ms is not None:
        head.append(f" · median time to pass {duration(summary.median_pass_ms / 1000)}")
    parts.append(head)
    if summary.exercises:
        exercises = table("exercise (weakest first)", "attempts", "passed", "first try", "last")
        for item in summary.exercises:
            exercises.add_row(
                item.title or item.exercise_id,
                str(item.attempts),
                percent(item.pass_rate),
                percent(item.first_try_rate),
                item.last_status,
            )
        parts.append(exercises)
    if summary.diagnoses:
        parts.append(Text("\nMisconceptions the grader found most often", style="bold"))
        for diagnosis in summary.diagnoses[:5]:
            line = Text(f"{diagnosis.count}× ", style="bold dark_orange")
            line.append(f"{diagnosis.id}", style="bold")
            line.append(f" ({', '.join(diagnosis.exercises)})", style="dim")
            parts.append(line)
    return Group(*parts)


def render_calibration(calibration) -> Group:
    head = Text()
    head.append("Log loss ", style="bold")
    head.append("—" if calibration.log_loss is None else f"{calibration.log_loss:.4f}")
    head.append(" · RMSE(bins) ", style="bold")
    head.append("—" if calibration.rmse_bins is None else f"{calibration.rmse_bins:.4f}")
    head.append(f" · {calibration.reviews} reviews scored", style="dim")
    bins = table("predicted recall", "reviews", "predicted", "observed", right_from=1)
    for item in calibration.bins:
        if item.count:
            bins.add_row(f"{100 * item.lower:.0f}-{100 * item.upper:.0f}%", str(item.count),
                         percent(item.predicted), percent(item.observed))
    note = Text("\nEach review's recall probability as FSRS predicted it, against what happened. "
                "Far apart (RMSE over ~0.05 with a few hundred reviews): `studyapp optimize` fits "
                "the parameters to you.", style="dim")
    parts: list[RenderableType] = [head, Text("")]
    if bins.row_count:
        parts.append(bins)
    else:
        parts.append(
            Text(
                "Not enough reviews yet: calibration needs reviews a day or more apart.",
                style="dim",
            )
        )
    parts.append(note)
    return Group(*parts)


class StatsScreen(StudyScreen):
    LABEL = "Stats"
    page = None
    CSS_PATH = "../styles/stats.tcss"
    BINDINGS = [
        *[
            Binding(str(n), f"tab('{key}')", title, show=False)
            for n, (key, title) in enumerate(TABS, start=1)
        ],
        Binding("r", "refresh", "Refresh"),
        Binding("escape", "back", "Back"),
    ]
    HELP_EXTRA = [("left / right", "On the tabs: previous / next view")]

    def __init__(self, study: StudyService) -> None:
        super().__init__()
        self.study = study

    def compose(self) -> ComposeResult:
        # deferred: the charts load plotext, only when a chart tab is shown
        from studyapp.tui.widgets import stats_charts as charts

        yield Header()
        yield Static("Loading…", id="stats-status")
        with TabbedContent(id="stats-tabs"):
            for key, title in TABS:
                with TabPane(title, id=f"tab-{key}"), VerticalScroll(classes="stats-pane"):
                    if key == "activity":
                        yield Heatmap(12, id="stats-heatmap")
                        yield charts.ReviewsChart(id="chart-reviews", classes="chart")
                    elif key == "outlook":
                        yield charts.ForecastChart(id="chart-forecast", classes="chart")
                    elif key == "calibration":
                        yield charts.CalibrationChart(id="chart-calibration", classes="chart")
                    yield Static("", id=f"stats-{key}", classes="stats-text")
                    if key == "outlook":
                        with Grid(id="histograms"):
                            for name in HISTOGRAMS:
                                yield charts.HistogramChart(
                                    id=f"chart-{name}", classes="chart histogram"
                                )
        yield StudyFooter()

    def on_mount(self) -> None:
        self.query_one("#stats-heatmap").border_title = "Review heatmap"
        self.query_one("#stats-heatmap", Heatmap).weeks = max(
            8, min(52, (self.size.width - 12) // 2)
        )
        self.action_refresh()

    def action_refresh(self) -> None:
        self._load()

    def action_tab(self, key: str) -> None:
        self.query_one("#stats-tabs", TabbedContent).active = f"tab-{key}"

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False,
          name="load the stats")
    def _load(self) -> None:
        try:
            page = load_stats(self.study)
        except Exception as exc:  # shown, not raised
            self.post_message(LoadFailed("stats", f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(StatsLoaded(page))

    def on_stats_loaded(self, message: StatsLoaded) -> None:
        page = message.data
        self.query_one("#stats-status", Static).update(
            Text(
                f" {page.today} · {page.activity.reviews_today} reviews today · "
                f"{page.outlook.due_today} due · "
                f"knowledge {page.outlook.estimated_knowledge:.1f} cards",
                style="bold",
            )
        )
        self.query_one("#stats-heatmap", Heatmap).show(heatmap_activity(page.activity))
        self.query_one("#stats-activity", Static).update(render_activity(page.activity))
        self.query_one("#stats-outlook", Static).update(render_outlook(page.outlook))
        self.query_one("#stats-retention", Static).update(render_retention(page.retention))
        self.query_one("#stats-mastery", Static).update(render_mastery(page.mastery))
        self.query_one("#stats-calibration", Static).update(render_calibration(page.calibration))
        self.page = page
        self.call_after_refresh(self._draw_charts)

    @on(TabbedContent.TabActivated, "#stats-tabs")
    def _tab_shown(self) -> None:
        self.call_after_refresh(self._draw_charts)

    def _draw_charts(self) -> None:
        """Draw the charts of the tab on screen, once it is laid out (a plot drawn while
        its tab is hidden would be drawn again at another size, which plotext does not
        always do the same way)."""
        page = self.page
        if page is None:
            return
        # deferred: the charts load plotext, only when a chart tab is shown
        from studyapp.tui.widgets import stats_charts as charts

        active = self.query_one("#stats-tabs", TabbedContent).active.removeprefix("tab-")
        if active == "activity":
            self.query_one("#chart-reviews", charts.ReviewsChart).show(page.activity, days=30)
        elif active == "outlook":
            self.query_one("#chart-forecast", charts.ForecastChart).show(page.outlook, days=30)
            for name in HISTOGRAMS:
                histogram = page.outlook.histograms.get(name)
                if histogram is not None:
                    self.query_one(f"#chart-{name}", charts.HistogramChart).show(histogram)
        elif active == "calibration":
            self.query_one("#chart-calibration", charts.CalibrationChart).show(page.calibration)

    def on_load_failed(self, message: LoadFailed) -> None:
        self.query_one("#stats-status", Static).update(
            Text(f"Could not load the stats: {message.error}", style="red")
        )

    def action_back(self) -> None:
        self.app.pop_screen()
