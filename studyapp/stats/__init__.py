"""Progress tracking: activity, true retention, outlook, mastery and calibration.

Pure functions of a SQLAlchemy Session and `now` (plus the day-start hour and time
zone) returning frozen dataclasses with as_dict(); no textual, no torch. See
studyapp.stats.api for the functions and studyapp.stats.model for what they return.
"""

from studyapp.stats.api import (
    activity_stats,
    calibration_stats,
    compute_stats,
    mastery_stats,
    outlook_stats,
    retention_stats,
    study_calendar,
)
from studyapp.stats.calendar import StudyCalendar
from studyapp.stats.memory import MemoryModel, load_memory_model, retrievability
from studyapp.stats.model import (
    Activity,
    Calibration,
    CalibrationBin,
    CardCounts,
    DayActivity,
    DiagnosisCount,
    ExerciseStats,
    ExerciseSummary,
    ForecastDay,
    GroupMastery,
    Histogram,
    Mastery,
    Outlook,
    PeriodActivity,
    RetentionCell,
    RetentionRow,
    RetentionTable,
    StatsPage,
)

__all__ = [
    "Activity",
    "Calibration",
    "CalibrationBin",
    "CardCounts",
    "DayActivity",
    "DiagnosisCount",
    "ExerciseStats",
    "ExerciseSummary",
    "ForecastDay",
    "GroupMastery",
    "Histogram",
    "Mastery",
    "MemoryModel",
    "Outlook",
    "PeriodActivity",
    "RetentionCell",
    "RetentionRow",
    "RetentionTable",
    "StatsPage",
    "StudyCalendar",
    "activity_stats",
    "calibration_stats",
    "compute_stats",
    "load_memory_model",
    "mastery_stats",
    "outlook_stats",
    "retention_stats",
    "retrievability",
    "study_calendar",
]
