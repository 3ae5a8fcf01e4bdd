"""A GitHub-style heatmap of reviews per study day: 7 rows (Mon..Sun) by N weeks."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

LEVELS = ("#2d333b", "#0e4429", "#006d32", "#26a641", "#39d353")
DAY_LABELS = ("Mon", "", "Wed", "", "Fri", "", "Sun")


def level(count: int, peak: int) -> int:
    if count <= 0:
        return 0
    if peak <= 4:
        return min(count, 4)
    return min(4, 1 + (count - 1) * 4 // peak)


class Heatmap(Static):
    """Shows a `RecentActivity` (studyapp.study.activity); empty until one is given."""

    DEFAULT_CSS = """
    Heatmap { width: auto; height: auto; }
    """

    def __init__(self, weeks: int = 12, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.weeks = weeks

    def show(self, activity) -> None:
        self.update(render_heatmap(activity, self.weeks))


def render_heatmap(activity, weeks: int = 12) -> Text:
    columns = activity.weeks(weeks)
    counts = [cell[1] for column in columns for cell in column if cell]
    peak = max(counts, default=0)
    text = Text()
    labels = [" "] * (2 * weeks)
    last_month, free_from = None, 0
    for index, column in enumerate(columns):
        first = next((cell for cell in column if cell), None)
        if first is None:
            continue
        month = first[0].strftime("%b")
        if month != last_month and 2 * index >= free_from and 2 * index + 3 <= len(labels):
            labels[2 * index : 2 * index + 3] = month
            free_from = 2 * index + 4
        last_month = month
    text.append("    " + "".join(labels).rstrip(), style="dim")
    text.append("\n")
    for weekday in range(7):
        text.append(f"{DAY_LABELS[weekday]:<4}", style="dim")
        for column in columns:
            cell = column[weekday]
            if cell is None:
                text.append("  ")
            else:
                text.append("■ ", style=LEVELS[level(cell[1], peak)])
        text.append("\n")
    text.append("    less ", style="dim")
    for colour in LEVELS:
        text.append("■", style=colour)
    text.append(" more", style="dim")
    return text
