"""TUI fixtures: a small synced bundle in an in-memory database, a fixed clock in UTC,
an app factory with cursor blink off, and helpers to let workers finish."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from studyapp.clock import FixedClock
from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.storage.db import open_database

CONTENT = Path(__file__).parent / "content"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc(monkeypatch):
    """Study days and printed dates in UTC, whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def make_database(clock: FixedClock):
    db = open_database("sqlite://")
    with db.unit_of_work() as session:
        sync_content(session, load_content([CONTENT]), clock.now())
    return db


@pytest.fixture
def study_db(clock):
    db = make_database(clock)
    yield db
    db.dispose()


def add_history(db, clock: FixedClock, days: int = 20) -> None:
    """Review history before `clock`'s now: three cards rated on most days (what is due
    first, then early reviews), a few days off, yesterday studied."""
    from studyapp.scheduling.service import ReviewService
    from studyapp.storage.models import Card

    with db.unit_of_work() as session:
        every_card = list(session.scalars(select(Card.id).order_by(Card.id)))
    past = FixedClock(clock.now() - timedelta(days=days))
    service = ReviewService(db, past, day_start_hour=4)
    ratings = [3, 3, 1, 4, 3, 2, 3]
    turn = 0
    for day in range(days):
        if day % 6 != 2:
            due = [item.card_id for item in service.queue()[:3]]
            for card_id in (due + every_card)[:3]:
                service.review(card_id, ratings[turn % len(ratings)], duration_ms=4000 + 1000 * (turn % 5))
                turn += 1
                past.advance(minutes=2)
        past.advance(days=1)


@pytest.fixture
def make_app(study_db, clock):
    from studyapp.tui.app import StudyApp

    def _make(grader=None, database=None, **kwargs):
        return StudyApp(database or study_db, clock, grader, day_start_hour=4, cursor_blink=False, **kwargs)

    return _make


def loading_workers(app) -> list:
    """The workers that load or save, not those waiting for a dialog the learner answers
    (their groups end in "-dialog"): those finish only when the test answers it."""
    return [worker for worker in app.workers if not worker.group.endswith("-dialog")]


async def settle(pilot) -> None:
    """Let workers finish and their messages land."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        for _attempt in range(10):
            workers = loading_workers(pilot.app)
            if not workers:
                # not wait_for_complete([]): it reads an empty list as "every worker",
                # and would wait on a dialog's worker that only an answer finishes
                break
            try:
                await pilot.app.workers.wait_for_complete(workers)
                break
            except WorkerCancelled:
                # an exclusive worker superseded by a newer one (a search typed over an
                # older search, a detail load for a row the cursor left): the app meant
                # that; wait again for the workers still running
                await pilot.pause()
        await pilot.pause()
    await pilot.pause()


def plain(widget) -> str:
    """What a Static shows, as plain text (Rich renderables included)."""
    from rich.console import Console

    content = widget.content
    if isinstance(content, str):
        from textual.content import Content

        return Content.from_markup(content).plain
    console = Console(width=200, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(content)
    return console.export_text()
