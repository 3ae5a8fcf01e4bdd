"""Exercise mastery from the submissions table.

- attempts: submissions; pass rate: share with status "passed";
- a sitting is one exercise on one study day (the exercise comes back on a schedule);
  first-try pass rate: share of sittings whose first submission passed;
- median time to pass: the learner's time on the exercise (review_logs.duration_ms, written
  when the TUI rates an exercise from the grader's outcome) over the exercise reviews that
  passed (rating above Again); the submissions' own duration_ms is the grader's run time;
- misconceptions: the diagnosis ids (verdict["diagnosis"]["id"]) of the learner's
  failing submissions, most frequent first.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from studyapp.stats._sql import StatsConn, fetch_all, fix_micros, micros_sql
from studyapp.stats.calendar import StudyCalendar
from studyapp.stats.model import DiagnosisCount, ExerciseStats, ExerciseSummary, ratio
from studyapp.storage.sqldialect import SqlDialect
from studyapp.storage.stored_time import from_micros

PASSED = "passed"
TOP_DIAGNOSES = 10

@lru_cache(maxsize=2)
def _submissions_sql(d: SqlDialect) -> str:
    diagnosis_id = d.json_text("s.verdict", "diagnosis", "id")
    diagnosis_text = d.json_text("s.verdict", "diagnosis", "text")
    return f"""
SELECT s.exercise_id, s.status, s.duration_ms, {micros_sql("s.created_at", d)},
       {diagnosis_id}, {diagnosis_text},
       coalesce(nullif(c.topic, ''), d.topic, ''), coalesce({d.json_text("c.extra", "title")}, '')
FROM submissions s LEFT JOIN cards c ON c.id = s.card_id LEFT JOIN decks d ON d.id = c.deck_id
ORDER BY s.created_at, s.id
"""


# Exercise reviews rated from the grader's outcome: Again means revealed or gave up.
_TIME_TO_PASS_SQL = """
SELECT c.content_id, l.duration_ms
FROM review_logs l JOIN cards c ON c.id = l.card_id
WHERE c.kind = 'exercise' AND l.source = 'grader' AND l.rating > 1
ORDER BY l.reviewed_at, l.id
"""


@dataclass
class _Acc:
    title: str = ""
    topic: str = ""
    attempts: int = 0
    passed: int = 0
    sessions: int = 0
    first_try: int = 0
    pass_ms: list[int] = field(default_factory=list)
    last_status: str = ""
    last_day: int | None = None


@dataclass
class _Diagnoses:
    """The misconceptions diagnosed in failed submissions: how often, and on which exercises."""

    counts: Counter[str] = field(default_factory=Counter)
    text: dict[str, str] = field(default_factory=dict)
    exercises: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, diag_id: str, text: str, exercise: str) -> None:
        self.counts[diag_id] += 1
        self.text[diag_id] = text
        self.exercises[diag_id].add(exercise)

    def top(self) -> list[DiagnosisCount]:
        top = sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DIAGNOSES]
        return [
            DiagnosisCount(id=i, text=self.text[i], count=n, exercises=sorted(self.exercises[i]))
            for i, n in top
        ]


def exercise_summary(conn: StatsConn, cal: StudyCalendar) -> ExerciseSummary:
    rows = fetch_all(conn, _submissions_sql(conn.dialect))
    if not rows:
        return ExerciseSummary()
    diagnoses = _Diagnoses()
    per = _fold_submissions(rows, _study_day_index(conn, cal, rows), diagnoses)
    time_to_pass: dict[str, list[int]] = defaultdict(list)
    for exercise, spent in fetch_all(conn, _TIME_TO_PASS_SQL):
        time_to_pass[exercise].append(int(spent or 0))
    for exercise, acc in per.items():
        acc.pass_ms = time_to_pass.get(exercise, [])
    exercises = [_exercise_stats(exercise, acc) for exercise, acc in per.items()]
    exercises.sort(key=lambda e: (e.first_try_rate or 0.0, e.pass_rate or 0.0, e.exercise_id))
    all_pass_ms = [ms for acc in per.values() for ms in acc.pass_ms]
    return _summary(exercises, all_pass_ms, diagnoses.top())


def _study_day_index(conn: StatsConn, cal: StudyCalendar, rows: list[tuple]) -> list[int]:
    """Each submission's study day, as an index from the first one's."""
    created = fix_micros(np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows)),
                         conn.dialect)
    first_day = cal.day_of(from_micros(int(created.min())))
    bounds = cal.bounds_us(first_day, max(cal.day_of(from_micros(int(created.max()))), first_day))
    return (np.searchsorted(bounds, created, side="right") - 1).tolist()


def _fold_submissions(rows: list[tuple], days: list[int], diagnoses: _Diagnoses) -> dict[str, _Acc]:
    """Per exercise: attempts, passes, sittings (study days with a submission) and passes on
    a sitting's first try, in submission order."""
    per: dict[str, _Acc] = defaultdict(_Acc)
    for (exercise, status, _run_ms, _, diag_id, diag_text, topic, title), day in zip(
            rows, days, strict=True):
        acc = per[exercise]
        acc.title = title or acc.title
        acc.topic = topic or acc.topic
        acc.attempts += 1
        passed = status == PASSED
        if day != acc.last_day:  # the first submission of a sitting
            acc.sessions += 1
            acc.first_try += passed
            acc.last_day = day
        if passed:
            acc.passed += 1
        elif diag_id:
            diagnoses.add(str(diag_id), str(diag_text or ""), exercise)
        acc.last_status = status
    return per


def _exercise_stats(exercise: str, acc: _Acc) -> ExerciseStats:
    return ExerciseStats(
        exercise_id=exercise, title=acc.title, topic=acc.topic, attempts=acc.attempts,
        passed=acc.passed, pass_rate=ratio(acc.passed, acc.attempts), sessions=acc.sessions,
        first_try_passes=acc.first_try, first_try_rate=ratio(acc.first_try, acc.sessions),
        median_pass_ms=float(statistics.median(acc.pass_ms)) if acc.pass_ms else None,
        last_status=acc.last_status,
    )


def _summary(exercises: list[ExerciseStats], all_pass_ms: list[int],
             diagnoses: list[DiagnosisCount]) -> ExerciseSummary:
    attempts = sum(e.attempts for e in exercises)
    passed = sum(e.passed for e in exercises)
    sessions = sum(e.sessions for e in exercises)
    first_try = sum(e.first_try_passes for e in exercises)
    return ExerciseSummary(
        attempts=attempts,
        passed=passed,
        pass_rate=ratio(passed, attempts),
        sessions=sessions,
        first_try_passes=first_try,
        first_try_rate=ratio(first_try, sessions),
        median_pass_ms=float(statistics.median(all_pass_ms)) if all_pass_ms else None,
        exercises=exercises,
        diagnoses=diagnoses,
    )
