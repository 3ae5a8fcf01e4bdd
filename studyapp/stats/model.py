"""What the stats return: plain frozen dataclasses, each with as_dict() for JSON.

Days are ISO dates of the learner's study day ("2026-01-31"). Ratios are floats in
[0, 1], or None where there is nothing to divide by (never NaN, so JSON stays valid).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# review kinds, as Anki's review graphs split them (the state of the card before the review)
KINDS = ("learning", "young", "mature", "relearning")
MATURE_DAYS = 21  # an interval of 21 days or more is mature, as in Anki


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


class _Dict:
    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


# --------------------------------------------------------------------------- activity


@dataclass(frozen=True)
class DayActivity(_Dict):
    """One study day: reviews by kind (learning / young / mature / relearning), how many
    were not Again, and the time spent (sum of review durations)."""

    day: str
    reviews: int = 0
    learning: int = 0
    young: int = 0
    mature: int = 0
    relearning: int = 0
    passed: int = 0
    time_ms: int = 0


@dataclass(frozen=True)
class PeriodActivity(_Dict):
    """Totals over the last `days` study days, today included."""

    period: str
    days: int
    reviews: int
    time_ms: int
    days_studied: int
    reviews_per_day: float  # over every day of the period
    reviews_per_studied_day: float | None


@dataclass(frozen=True)
class Activity(_Dict):
    today: str
    days: list[DayActivity]  # the window, oldest first, one entry per day (today last)
    periods: list[PeriodActivity]  # today, week, month, year
    current_streak: (
        int  # study days in a row ending today (or yesterday before today's first review)
    )
    longest_streak: int  # over the whole history
    reviews_today: int
    time_today_ms: int
    all_time_reviews: int
    first_review_day: str | None

    def heatmap(self) -> list[tuple[str, int]]:
        return [(d.day, d.reviews) for d in self.days]


# --------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class RetentionCell(_Dict):
    """Reviews of cards in review state: passed = not Again."""

    passed: int = 0
    failed: int = 0
    reviews: int = 0
    retention: float | None = None

    @classmethod
    def of(cls, passed: int, failed: int) -> RetentionCell:
        return cls(passed, failed, passed + failed, ratio(passed, passed + failed))


@dataclass(frozen=True)
class RetentionRow(_Dict):
    period: str  # today | yesterday | week | month | year
    days: int
    young: RetentionCell
    mature: RetentionCell
    total: RetentionCell


@dataclass(frozen=True)
class RetentionTable(_Dict):
    """True retention, as Anki's table: share of reviews of review-state cards not rated Again."""

    rows: list[RetentionRow]

    def row(self, period: str) -> RetentionRow:
        for row in self.rows:
            if row.period == period:
                return row
        raise KeyError(period)


# --------------------------------------------------------------------------- outlook


@dataclass(frozen=True)
class CardCounts(_Dict):
    """Live cards by state; suspended cards are counted apart, whatever their state."""

    new: int = 0
    learning: int = 0
    relearning: int = 0
    young: int = 0
    mature: int = 0
    suspended: int = 0
    total: int = 0


@dataclass(frozen=True)
class ForecastDay(_Dict):
    """Cards falling due on a study day (day 0: today, overdue cards included)."""

    day: str
    learning: int = 0  # learning and relearning
    young: int = 0
    mature: int = 0
    total: int = 0


@dataclass(frozen=True)
class Histogram(_Dict):
    """counts[i] holds values in [edges[i], edges[i + 1]); the last bin is [edges[-1], inf)."""

    name: str
    unit: str
    edges: list[float]
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)

    def labels(self) -> list[str]:
        def fmt(x: float) -> str:
            return f"{x:g}"

        out = [f"{fmt(lo)}-{fmt(hi)}" for lo, hi in zip(self.edges, self.edges[1:], strict=False)]
        return out + [f"{fmt(self.edges[-1])}+"]


@dataclass(frozen=True)
class Outlook(_Dict):
    card_counts: CardCounts
    forecast: list[ForecastDay]  # today first; 90 days by default
    overdue: int  # review and (re)learning cards due before today began
    due_today: int
    due_tomorrow: int
    due_next_30: int
    due_next_90: int
    reviewed_cards: int  # live, unsuspended cards with a memory state
    estimated_knowledge: float  # sum of current retrievability
    average_retrievability: float | None
    at_risk: int  # reviewed cards whose retrievability is below their desired retention
    histograms: dict[str, Histogram] = field(default_factory=dict)

    def forecast_days(self, days: int) -> list[ForecastDay]:
        return self.forecast[:days]


# --------------------------------------------------------------------------- mastery


@dataclass(frozen=True)
class GroupMastery(_Dict):
    """Cards of one topic or tag: their average current retrievability."""

    name: str
    cards: int  # live, unsuspended cards
    reviewed: int
    mean_retrievability: float | None
    at_risk: int


@dataclass(frozen=True)
class ExerciseStats(_Dict):
    exercise_id: str
    title: str
    topic: str
    attempts: int
    passed: int
    pass_rate: float | None
    sessions: int  # (study day) sittings with at least one submission
    first_try_passes: int  # sittings whose first submission passed
    first_try_rate: float | None
    median_pass_ms: float | None  # median time the learner spent on exercise reviews that passed
    last_status: str


@dataclass(frozen=True)
class DiagnosisCount(_Dict):
    id: str
    text: str
    count: int
    exercises: list[str]


@dataclass(frozen=True)
class ExerciseSummary(_Dict):
    attempts: int = 0
    passed: int = 0
    pass_rate: float | None = None
    sessions: int = 0
    first_try_passes: int = 0
    first_try_rate: float | None = None
    median_pass_ms: float | None = None
    exercises: list[ExerciseStats] = field(default_factory=list)  # weakest first
    diagnoses: list[DiagnosisCount] = field(default_factory=list)  # most frequent first


@dataclass(frozen=True)
class Mastery(_Dict):
    topics: list[GroupMastery]  # weakest first; topics with nothing reviewed last
    tags: list[GroupMastery]
    exercises: ExerciseSummary


# --------------------------------------------------------------------------- calibration


@dataclass(frozen=True)
class CalibrationBin(_Dict):
    lower: float
    upper: float
    count: int
    predicted: float | None  # mean predicted retrievability of the reviews in the bin
    observed: float | None  # share of them not rated Again


@dataclass(frozen=True)
class Calibration(_Dict):
    """FSRS's predictions against what happened, scored as the srs-benchmark scores them."""

    reviews: int  # reviews scored: a prediction, at least a day after the previous review
    same_day: int  # reviews with a prediction of exactly 1 (same day as the last), left out
    bins: list[CalibrationBin]
    log_loss: float | None
    rmse_bins: float | None
    mean_predicted: float | None
    mean_observed: float | None


# --------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class StatsPage(_Dict):
    generated_at: str
    today: str
    day_start_hour: int
    time_zone: str
    activity: Activity
    retention: RetentionTable
    outlook: Outlook
    mastery: Mastery
    calibration: Calibration

    def summary(self) -> dict[str, Any]:
        """The headline numbers, flat."""
        month = self.retention.row("month").total
        return {
            "today": self.today,
            "reviews_today": self.activity.reviews_today,
            "total_reviews": self.activity.all_time_reviews,
            "current_streak": self.activity.current_streak,
            "longest_streak": self.activity.longest_streak,
            "true_retention_month": month.retention,
            "due_today": self.outlook.due_today,
            "estimated_knowledge": round(self.outlook.estimated_knowledge, 3),
            "at_risk": self.outlook.at_risk,
            "log_loss": None
            if self.calibration.log_loss is None
            else round(self.calibration.log_loss, 5),
            "rmse_bins": None
            if self.calibration.rmse_bins is None
            else round(self.calibration.rmse_bins, 5),
        }
