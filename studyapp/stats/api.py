"""The stats API: pure functions of a Session and `now` returning plain dataclasses.

compute_stats() builds the whole Stats page (what `studyapp stats --json` prints). Its
parts are independent reads; on a file database they run on two connections at once
(the session's and one pooled connection on a helper thread: SQLite releases the GIL
while it works), so the page takes about half its CPU time. The helper sees committed
data only: call it from a fresh unit of work, as the CLI and the TUI do. An in-memory
database has only one connection and runs the parts in turn. Nothing here writes.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from studyapp.clock import as_utc
from studyapp.scheduling.days import read_day_start_hour
from studyapp.stats import activity as _activity
from studyapp.stats import calibration as _calibration
from studyapp.stats import exercises as _exercises
from studyapp.stats import outlook as _outlook
from studyapp.stats._sql import StatsConn, bulk_reads, dbapi_connection
from studyapp.stats.calendar import StudyCalendar
from studyapp.stats.memory import (
    MemoryModel,
    live_cards,
    live_cards_from,
    load_memory_model,
    read_cards,
    read_groups,
)
from studyapp.stats.model import (
    Activity,
    Calibration,
    Mastery,
    Outlook,
    RetentionTable,
    StatsPage,
)


def study_calendar(session: Session, now: datetime, *, day_start_hour: int | None = None,
                   zone: tzinfo | None = None) -> StudyCalendar:
    """The learner's calendar: the day-start hour from the argument, else the setting, else 4."""
    if day_start_hour is None:
        day_start_hour = read_day_start_hour(session)
    return StudyCalendar.at(as_utc(now), hour=day_start_hour, zone=zone)


def activity_stats(session: Session, now: datetime, *, day_start_hour: int | None = None,
                   zone: tzinfo | None = None, days: int = _activity.WINDOW_DAYS) -> Activity:
    """Reviews per study day for the last `days` (heatmap, stacked kinds, time), streaks."""
    cal = study_calendar(session, now, day_start_hour=day_start_hour, zone=zone)
    return _activity.activity(dbapi_connection(session), cal, days)


def retention_stats(session: Session, now: datetime, *, day_start_hour: int | None = None,
                    zone: tzinfo | None = None) -> RetentionTable:
    """True retention: today, yesterday, week, month, year; young, mature, total."""
    cal = study_calendar(session, now, day_start_hour=day_start_hour, zone=zone)
    return _activity.retention(dbapi_connection(session), cal)


def outlook_stats(session: Session, now: datetime, *, day_start_hour: int | None = None,
                  zone: tzinfo | None = None, memory: MemoryModel | None = None,
                  forecast_days: int = _outlook.FORECAST_DAYS) -> Outlook:
    """Card counts, due forecast, histograms, estimated knowledge and knowledge at risk."""
    cal = study_calendar(session, now, day_start_hour=day_start_hour, zone=zone)
    cards = live_cards(dbapi_connection(session), cal.now, memory or load_memory_model(session))
    return _outlook.outlook(cards, cal, forecast_days)


def mastery_stats(session: Session, now: datetime, *, day_start_hour: int | None = None,
                  zone: tzinfo | None = None, memory: MemoryModel | None = None) -> Mastery:
    """Average current retrievability per topic and tag (weakest first) and exercise results."""
    cal = study_calendar(session, now, day_start_hour=day_start_hour, zone=zone)
    conn = dbapi_connection(session)
    cards = live_cards(conn, cal.now, memory or load_memory_model(session))
    return Mastery(topics=_outlook.topic_mastery(cards), tags=_outlook.tag_mastery(cards),
                   exercises=_exercises.exercise_summary(conn, cal))


def calibration_stats(session: Session) -> Calibration:
    """Predicted recall against outcomes over every scored review: bins, log loss, RMSE(bins)."""
    return _calibration.calibration(dbapi_connection(session))


def compute_stats(session: Session, now: datetime, *, day_start_hour: int | None = None,
                  zone: tzinfo | None = None, memory: MemoryModel | None = None,
                  parallel: bool | None = None) -> StatsPage:
    """Every number of the Stats page. `parallel=None` decides by the database kind."""
    cal = study_calendar(session, now, day_start_hour=day_start_hour, zone=zone)
    memory = memory or load_memory_model(session)
    conn = dbapi_connection(session)
    if parallel is None:
        parallel = _can_run_parallel(session)
    window = _activity.Window.ending_today(cal)

    def cards_task(c) -> tuple[Outlook, list, list]:
        cards = live_cards_from(read_cards(c), read_groups(c), cal.now, memory)
        return (_outlook.outlook(cards, cal), _outlook.topic_mastery(cards),
                _outlook.tag_mastery(cards))

    # Biggest first, so two lanes finish together; the table scans in id ranges.
    window_parts = window.parts(2 if parallel else 1)
    tasks: dict[str, Callable[[Any], Any]] = {
        f"window{i}": partial(window_parts.read, part=i) for i in range(window_parts.count)
    }
    tasks["cards"] = cards_task
    for i, ids in enumerate(_calibration.id_ranges(conn, 3 if parallel else 1)):
        tasks[f"predictions{i}"] = partial(_calibration.prediction_stats, ids=ids)
    tasks["exercises"] = lambda c: _exercises.exercise_summary(c, cal)
    tasks["older"] = lambda c: _activity.older_days(c, cal, window.first)
    with bulk_reads(conn):
        results = _run(tasks, conn, session if parallel else None)
        days = window_parts.merge(conn, [results[k] for k in tasks if k.startswith("window")])
    predictions = [results[k] for k in tasks if k.startswith("predictions")]
    hist = _activity.history_from(
        days, results["older"], sum(p.rows for p in predictions), cal.today
    )
    outlook, topics, tags = results["cards"]
    return StatsPage(
        generated_at=cal.now.isoformat(),
        today=cal.today.isoformat(),
        day_start_hour=cal.hour,
        time_zone=str(getattr(cal.zone, "key", None) or cal.zone),
        activity=_activity.activity_from(days, hist, cal),
        retention=_activity.retention_from(days),
        outlook=outlook,
        mastery=Mastery(topics=topics, tags=tags, exercises=results["exercises"]),
        calibration=_calibration.calibration_from(predictions),
    )


def _can_run_parallel(session: Session) -> bool:
    if (os.cpu_count() or 1) < 2:
        return False
    url = session.get_bind().engine.url
    if url.get_backend_name() == "postgresql":
        return True  # a second connection runs on its own server backend
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and database not in ("", ":memory:") \
        and "mode=memory" not in str(url)


def _run(tasks: dict[str, Callable[[Any], Any]], conn, session: Session | None) -> dict[str, Any]:
    """Run the tasks on `conn`; with a session, a helper thread takes tasks from the same
    queue on its own pooled connection, so two run at a time."""
    pending: queue.SimpleQueue[str] = queue.SimpleQueue()
    for name in tasks:
        pending.put(name)
    results: dict[str, Any] = {}
    errors: list[BaseException] = []

    def drain(connection) -> None:
        while True:
            try:
                name = pending.get_nowait()
            except queue.Empty:
                return
            try:
                results[name] = tasks[name](connection)
            except BaseException as exc:  # handed back to the caller below
                errors.append(exc)
                return

    helper = None
    if session is not None:
        def helper_lane() -> None:
            try:
                raw = session.get_bind().engine.raw_connection()
            except Exception:  # no second connection: the main lane does it all
                return
            try:
                lane = StatsConn(raw.driver_connection, conn.dialect)
                with bulk_reads(lane) as helper_conn:
                    drain(helper_conn)
            finally:
                raw.close()

        helper = threading.Thread(target=helper_lane, name="stats-helper", daemon=True)
        helper.start()
    drain(conn)
    if helper is not None:
        helper.join()
    if errors:
        raise errors[0]
    missing = [name for name in tasks if name not in results]
    if missing:  # a lane failed to start: finish on the session's connection
        for name in missing:
            results[name] = tasks[name](conn)
    return results
