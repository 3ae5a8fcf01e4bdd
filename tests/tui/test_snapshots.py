"""Snapshots of every screen at 80x24 and 120x40 (pytest-textual-snapshot).

A fixed clock, UTC, cursor blink off and no toasts keep them deterministic. After a
deliberate change to a screen: pytest tests/tui/test_snapshots.py --snapshot-update,
then look at the SVGs before committing them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from studyapp.storage.models import Card
from tests.tui.conftest import add_history, settle
from tests.tui.fakes import FakeGrader

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture(autouse=True)
def _plotext_in_a_stable_order(monkeypatch):
    """plotext drops duplicate points through a set, so which of two overlapping tick
    labels is drawn last follows the interpreter's string hash seed; keep first-seen
    order instead, so the charts' snapshots do not depend on PYTHONHASHSEED."""
    from plotext import _utility

    monkeypatch.setattr(_utility, "no_duplicates", lambda data: list(dict.fromkeys(data)))


def exercise_id(app) -> int:
    with app.study_service.database.unit_of_work() as session:
        return session.scalar(select(Card.id).where(Card.content_id == "toy-add"))


async def _steps(pilot, *keys: str) -> None:
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def navigate(*keys: str, then: Callable | None = None) -> Callable[..., Awaitable[None]]:
    async def run_before(pilot) -> None:
        await _steps(pilot, *keys)
        if then is not None:
            await then(pilot)
            await settle(pilot)
        await pilot.pause(0.15)  # timers that scroll a panel to what just appeared
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


async def _open_exercise_and_fail(pilot) -> None:
    app = pilot.app
    app.open_exercise(exercise_id(app))
    await settle(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)
    await pilot.press("escape", "h")


async def _submit(pilot) -> None:
    await _open_exercise_and_fail(pilot)
    app = pilot.app
    app.screen.query_one("#editor").text = "def add(a, b):\n    return a + b\n"
    await pilot.press("ctrl+r")
    await settle(pilot)
    await pilot.press("ctrl+s")


async def _open_exercise_with_draft(pilot) -> None:
    from studyapp.study.drafts import save_draft

    app = pilot.app
    with app.study_service.database.unit_of_work() as session:
        save_draft(session, "toy-add", "def add(a, b):\n    # my draft: elementwise?\n    return a\n",
                   app.study_service.clock.now())
    app.open_exercise(exercise_id(app))
    await settle(pilot)


async def _open_exercise_with_math(pilot) -> None:
    app = pilot.app
    with app.study_service.database.unit_of_work() as session:
        card = session.get(Card, exercise_id(app))
        card.front = ("# Adam, in one line\n\n"
                      "$$\\hat m_t = \\frac{m_t}{1-\\beta_1^t} \\qquad "
                      "\\theta_t = \\theta_{t-1} - \\eta\\,\\frac{\\hat m_t}{\\sqrt{\\hat v_t} + \\epsilon}$$\n\n"
                      "Write `add(a, b)` for tensors $a, b \\in \\mathbb{R}^{n}$:\n\n"
                      "```python\nreturn a + b  # a long line of code that is wider than the prompt pane"
                      " at 80 columns\n```\n")
    app.open_exercise(exercise_id(app))
    await settle(pilot)


async def _reveal_and_maximize(pilot) -> None:
    app = pilot.app
    app.open_exercise(exercise_id(app))
    await settle(pilot)
    for key in ("ctrl+o", "y", "f"):
        await pilot.press(key)
        await settle(pilot)


async def _history(pilot) -> None:
    await _open_exercise_and_fail(pilot)
    await pilot.press("y")


async def _edit(pilot) -> None:
    await pilot.press("e")


SCREENS = {
    "dashboard": navigate(),
    "review_front": navigate("s"),
    "review_answer": navigate("s", "space"),
    "review_choice": navigate("s", "space", "4", "space", "4", "2", "space"),
    "review_summary": navigate("s", "space", "4", "space", "4", "space", "4"),
    "card_editor": navigate("s", then=_edit),
    "exercise": navigate(then=_open_exercise_and_fail),
    "exercise_rating": navigate(then=_submit),
    "exercise_draft": navigate(then=_open_exercise_with_draft),
    "exercise_math": navigate(then=_open_exercise_with_math),
    "exercise_solution_maximized": navigate(then=_reveal_and_maximize),
    "exercise_history": navigate(then=_history),
    "browse": navigate("b"),
    "stats": navigate("t"),
    "stats_outlook": navigate("t", "2"),
    "settings": navigate("comma"),
    "help": navigate("question_mark"),
}


# screens that show the learner's past: given three weeks of reviews first
WITH_HISTORY = {"dashboard", "browse", "stats", "stats_outlook"}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen_snapshot(name, size, snap_compare, make_app, study_db, clock):
    if name in WITH_HISTORY:
        add_history(study_db, clock, days=20)
    app = make_app(FakeGrader())
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[name])


# issue 14: the Add screen, a locked deck on the dashboard, a typed-answer card

def _lock_drills(db) -> None:
    from studyapp.storage.models import Deck

    with db.unit_of_work() as session:
        session.scalars(select(Deck).where(Deck.slug == "drills")).one().requires = ["basics"]


def _typed_capital(db) -> None:
    with db.unit_of_work() as session:
        session.scalars(select(Card).where(Card.content_id == "b-capital")).one().extra = {"answer": "typed"}


async def _add_screen(pilot) -> None:
    pilot.app.add_card("basics")
    await settle(pilot)
    await pilot.press(*"What does eps do in Adam?", "tab", *"Keeps the update finite")


async def _typed_answer(pilot) -> None:
    await pilot.press("s")
    await settle(pilot)
    await pilot.press(*"Pariss", "enter")


SCREENS_14 = {
    "add_card": (None, navigate(then=_add_screen)),
    "dashboard_locked": (_lock_drills, navigate("down")),
    "typed_answer": (_typed_capital, navigate(then=_typed_answer)),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS_14))
def test_issue_14_snapshot(name, size, snap_compare, make_app, study_db):
    setup, run_before = SCREENS_14[name]
    if setup is not None:
        setup(study_db)
    app = make_app(FakeGrader())
    assert snap_compare(app, terminal_size=size, run_before=run_before)
