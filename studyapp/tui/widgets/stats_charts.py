"""Charts for the Stats screen, drawn with textual-plotext from studyapp.stats dataclasses.

Each widget starts empty and draws when given its data with show(...):

- ReviewsChart.show(activity, days=30): reviews per study day, stacked by kind
  (learning / young / mature / relearning), from an Activity;
- ForecastChart.show(outlook, days=30): cards falling due per day, stacked
  (learning / young / mature), from an Outlook (day 0 includes the overdue);
- HistogramChart.show(histogram): one of Outlook.histograms (interval, stability,
  difficulty, retrievability) as bars;
- CalibrationChart.show(calibration): observed recall against FSRS's predicted recall
  per bin, with the diagonal of perfect calibration;
- YearHeatmap.show(activity): the whole window of an Activity as a weeks x weekdays
  grid of reviews per day.
"""

from __future__ import annotations

from datetime import date

from textual_plotext import PlotextPlot

KIND_COLORS = {"learning": "blue", "young": "green", "mature": "cyan", "relearning": "red"}


def _short(day: str) -> str:
    return day[5:]  # "2026-03-10" -> "03-10"


class _Chart(PlotextPlot):
    DEFAULT_CSS = """
    _Chart { height: 14; min-height: 8; }
    """

    def __init__(self, title: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._title = title

    def _reset(self) -> None:
        plt = self.plt
        plt.clear_figure()
        if self._title:
            plt.title(self._title)

    def _empty(self, message: str) -> None:
        self._reset()
        self.plt.text(message, 0.5, 0.5, alignment="center")
        self.plt.xlim(0, 1)
        self.plt.ylim(0, 1)
        self.plt.xticks([])
        self.plt.yticks([])
        self.refresh()


class ReviewsChart(_Chart):
    """Reviews per day of the last `days`, stacked by kind."""

    def __init__(self, title: str = "Reviews per day", **kwargs) -> None:
        super().__init__(title, **kwargs)

    def show(self, activity, days: int = 30) -> None:
        recent = activity.days[-days:]
        if not any(d.reviews for d in recent):
            self._empty("no reviews yet")
            return
        self._reset()
        labels = [_short(d.day) for d in recent]
        kinds = list(KIND_COLORS)
        # plotext's hints say one label and one colour; it takes one per stack
        self.plt.stacked_bar(labels, [[getattr(d, k) for d in recent] for k in kinds],
                             labels=kinds,  # type: ignore[call-arg]
                             color=[KIND_COLORS[k] for k in kinds])  # type: ignore[arg-type]
        _sparse_xticks(self.plt, labels)
        self.refresh()


class ForecastChart(_Chart):
    """Cards due on each of the next `days` (today first, overdue included)."""

    def __init__(self, title: str = "Due forecast", **kwargs) -> None:
        super().__init__(title, **kwargs)

    def show(self, outlook, days: int = 30) -> None:
        ahead = outlook.forecast_days(days)
        if not any(d.total for d in ahead):
            self._empty("nothing due")
            return
        self._reset()
        labels = [_short(d.day) for d in ahead]
        kinds = ["learning", "young", "mature"]
        # plotext's hints say one label and one colour; it takes one per stack
        self.plt.stacked_bar(labels, [[getattr(d, k) for d in ahead] for k in kinds],
                             labels=kinds,  # type: ignore[call-arg]
                             color=[KIND_COLORS[k] for k in kinds])  # type: ignore[arg-type]
        _sparse_xticks(self.plt, labels)
        self.refresh()


class HistogramChart(_Chart):
    """A Histogram (edges and counts) as bars."""

    def show(self, histogram) -> None:
        if not histogram.total:
            self._empty(f"no {histogram.name} yet")
            return
        self._reset()
        if not self._title:
            unit = f" ({histogram.unit})" if histogram.unit else ""
            self.plt.title(f"{histogram.name.capitalize()}{unit}")
        self.plt.bar(histogram.labels(), histogram.counts, color="green")
        self.refresh()


class CalibrationChart(_Chart):
    """Observed recall against predicted recall, per bin; the diagonal is perfect."""

    def __init__(self, title: str = "Predicted vs actual recall", **kwargs) -> None:
        super().__init__(title, **kwargs)

    def show(self, calibration) -> None:
        filled = [b for b in calibration.bins if b.count]
        if not filled:
            self._empty("no scored reviews yet")
            return
        self._reset()
        low = min(b.predicted for b in filled)
        low = min(low, min(b.observed for b in filled))
        start = max(0.0, round(low - 0.05, 1))
        self.plt.plot([start, 1.0], [start, 1.0], color="gray", label="perfect")
        self.plt.plot([b.predicted for b in filled], [b.observed for b in filled],
                      marker="dot", color="green", label="you")
        self.plt.xlim(start, 1.0)
        self.plt.ylim(start, 1.0)
        self.plt.xlabel("predicted")
        self.plt.ylabel("recalled")
        self.refresh()


class YearHeatmap(_Chart):
    """Reviews per day over the Activity window: columns are weeks, rows weekdays."""

    def __init__(self, title: str = "Reviews, last year", **kwargs) -> None:
        super().__init__(title, **kwargs)

    def show(self, activity) -> None:
        self._reset()
        grid = heatmap_grid(activity)
        self.plt.matrix_plot(grid)
        self.plt.xticks([])
        self.plt.yticks([])
        self.plt.xlabel("")
        self.plt.ylabel("")
        self.refresh()


def heatmap_grid(activity) -> list[list[int]]:
    """7 rows (Monday first) by as many week columns as the window spans; days outside it 0."""
    if not activity.days:
        return [[0] for _ in range(7)]
    first = date.fromisoformat(activity.days[0].day)
    offset = first.weekday()
    weeks = (offset + len(activity.days) + 6) // 7
    grid = [[0] * weeks for _ in range(7)]
    for i, d in enumerate(activity.days):
        cell = offset + i
        grid[cell % 7][cell // 7] = d.reviews
    return grid


def _sparse_xticks(plt, labels: list[str], most: int = 8) -> None:
    step = max(1, len(labels) // most)
    ticks = list(range(1, len(labels) + 1, step))
    plt.xticks(ticks, [labels[t - 1] for t in ticks])
