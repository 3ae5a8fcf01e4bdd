"""One end-to-end exercise with the real grader (its worker imports torch; the app never
does): fail, read the diagnosis, take a hint, pass, see the rating."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from studyapp.content.loader import load_content
from studyapp.content.sync import sync_content
from studyapp.paths import shipped_content_dir
from studyapp.storage.db import open_database
from studyapp.storage.models import Card, ReviewLog, Submission
from tests.tui.conftest import plain, settle

pytestmark = pytest.mark.slow

GRADIENT_ASCENT = "def sgd_step(param, grad, lr):\n    return param + lr * grad\n"
SOLUTION = "def sgd_step(param, grad, lr):\n    return param - lr * grad\n"


@pytest.fixture
def sgd_root(tmp_path) -> Path:
    """The shipped sgd-step exercise beside two tiny decks (its deck and its prerequisite)."""
    source = shipped_content_dir() / "exercises" / "sgd-step"
    if not source.is_dir():
        pytest.skip("the sgd-step exercise is not shipped")
    root = tmp_path / "content"
    shutil.copytree(source, root / "exercises" / "sgd-step")
    (root / "decks").mkdir(parents=True)
    for order, (slug, title) in enumerate((("minibatch", "Mini-batches"), ("optimizers", "Optimizers"))):
        (root / "decks" / f"{slug}.md").write_text(
            f"---\nid: {slug}\ntitle: {title}\norder: {order}\n---\n\n"
            f"## {slug}-card\nkind: basic\n\nQ: {title}?\n\nA: Yes.\n",
            encoding="utf-8",
        )
    return root


async def test_solve_an_exercise_with_the_real_grader(sgd_root, clock):
    grading = pytest.importorskip("studyapp.grading.client")
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.exercise import ExerciseScreen

    db = open_database("sqlite://")
    with db.unit_of_work() as session:
        sync_content(session, load_content([sgd_root]), clock.now())
        card_id = session.scalar(select(Card.id).where(Card.content_id == "sgd-step"))
    grader = grading.GraderClient(device="cpu", roots=[sgd_root])
    grader.start()
    try:
        app = StudyApp(db, clock, grader, day_start_hour=4, cursor_blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_exercise(card_id)
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ExerciseScreen)
            assert "NotImplementedError" in screen.query_one("#editor").text  # the starter

            screen.query_one("#editor").text = GRADIENT_ASCENT
            await pilot.press("ctrl+r")
            await settle(pilot)  # waits for the warm-up and the grading
            assert "FAILED" in plain(screen.query_one("#run-status"))
            assert screen.query_one("#results").row_count >= 5
            diagnosis = plain(screen.query_one("#diagnosis"))
            assert "gradient-ascent" in diagnosis and "ascent" in diagnosis
            assert "Worst check" in plain(screen.query_one("#diff"))

            await pilot.press("escape", "h")
            assert "Hint 1/3" in plain(screen.query_one("#hints"))

            screen.query_one("#editor").text = SOLUTION
            await pilot.press("ctrl+r")
            await settle(pilot)
            assert "PASSED" in plain(screen.query_one("#run-status")), plain(screen.query_one("#diagnosis"))

            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "Suggested: Hard" in plain(app.screen.query_one("#rating-reason"))
            await pilot.press("enter")
            await settle(pilot)
            assert not isinstance(app.screen, ExerciseScreen)
    finally:
        grader.close()
    with db.unit_of_work() as session:
        assert [(r.rating, r.source) for r in session.scalars(select(ReviewLog))] == [(2, "grader")]
        assert [s.status for s in session.scalars(select(Submission).order_by(Submission.id))] == ["failed", "passed"]
