"""The Stats screen's chart widgets draw the stats dataclasses (and nothing at all)."""

from __future__ import annotations

from datetime import UTC

from textual.app import App, ComposeResult

from studyapp.stats import compute_stats
from studyapp.tui.widgets.stats_charts import (
    CalibrationChart,
    ForecastChart,
    HistogramChart,
    ReviewsChart,
    YearHeatmap,
    heatmap_grid,
)
from tests.stats.conftest import NOW
from tests.stats.test_page import simulate


class ChartsApp(App):
    def __init__(self, page):
        super().__init__()
        self.page = page

    def compose(self) -> ComposeResult:
        yield ReviewsChart(id="reviews")
        yield ForecastChart(id="forecast")
        yield HistogramChart(id="histogram")
        yield CalibrationChart(id="calibration")
        yield YearHeatmap(id="heatmap")

    def on_mount(self) -> None:
        page = self.page
        self.query_one(ReviewsChart).show(page.activity, days=30)
        self.query_one(ForecastChart).show(page.outlook, days=30)
        self.query_one(HistogramChart).show(page.outlook.histograms["retrievability"])
        self.query_one(CalibrationChart).show(page.calibration)
        self.query_one(YearHeatmap).show(page.activity)


async def _render_all(page) -> list[str]:
    app = ChartsApp(page)
    async with app.run_test(size=(100, 80)) as pilot:
        await pilot.pause()
        return [str(widget.render()) for widget in app.query("PlotextPlot")]


async def test_charts_draw_a_history(session, history):
    simulate(history, logs=400)
    page = compute_stats(session, NOW, zone=UTC)
    rendered = await _render_all(page)
    assert len(rendered) == 5 and all(text.strip() for text in rendered)
    assert "Reviews per day" in rendered[0] and "Due forecast" in rendered[1]


async def test_charts_draw_an_empty_database(session):
    rendered = await _render_all(compute_stats(session, NOW, zone=UTC))
    assert "no reviews yet" in rendered[0] and "nothing due" in rendered[1]
    assert "no scored reviews yet" in rendered[3]


def test_heatmap_grid_puts_days_under_their_weekday(session, history):
    from tests.stats.builder import DAY, STATE_LEARNING

    card = history.card(history.deck())
    history.review(card, NOW, 3, prev_state=STATE_LEARNING)  # Tuesday 2026-03-10, today
    history.review(card, NOW - DAY, 3, prev_state=STATE_LEARNING)  # Monday
    history.review(card, NOW - 364 * DAY, 3, prev_state=STATE_LEARNING)  # Tuesday 2025-03-11, the first day
    history.flush()
    grid = heatmap_grid(compute_stats(session, NOW, zone=UTC).activity)
    assert len(grid) == 7 and len(grid[0]) == 53  # 365 days from a Tuesday span 53 weeks
    assert grid[1][-1] == 1 and grid[0][-1] == 1 and grid[1][0] == 1 and grid[0][0] == 0
    assert sum(map(sum, grid)) == 3
