"""The exercise screen with a fake grader: fail, read the diagnosis and the diff, take a
hint, pass, submit with the suggested rating (or an override); reveal the solution."""

from __future__ import annotations

from sqlalchemy import select

from studyapp.storage.models import Card, ReviewLog, Submission
from studyapp.tui.screens.exercise import ExerciseScreen
from tests.tui.conftest import plain, settle
from tests.tui.fakes import FakeGrader


def exercise_card(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(Card.id).where(Card.content_id == "toy-add"))


async def open_exercise(app, pilot):
    await settle(pilot)
    app.open_exercise(exercise_card(app.study_service.database))
    await settle(pilot)
    assert isinstance(app.screen, ExerciseScreen)
    return app.screen


async def test_fail_diagnose_hint_pass_and_rate(make_app, study_db):
    grader = FakeGrader()
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        editor = screen.query_one("#editor")
        assert "return a - b" in editor.text  # the starter
        assert screen.focused is editor
        assert not screen.query_one("#grader-banner").display

        await pilot.press("ctrl+r")
        await settle(pilot)
        assert grader.calls[-1][0] == "toy-add"
        results = screen.query_one("#results")
        assert results.display and results.row_count == 3
        first = results.get_row_at(0)
        assert first[0] == "default_f32" and str(first[1]) == "failed" and first[3] == "0"
        assert "FAILED" in plain(screen.query_one("#run-status"))
        diagnosis = plain(screen.query_one("#diagnosis"))
        assert "subtracts" in diagnosis and "a - b" in diagnosis
        diff = plain(screen.query_one("#diff"))
        assert "odd_shapes" in diff  # the worst failing check (largest error)
        assert "expected 5" in diff and "got      1" in diff

        # h types into the editor; escape leaves it, then h is a hint
        await pilot.press("escape", "h")
        assert "Hint 1/3: Tensors add elementwise." in plain(screen.query_one("#hints"))
        assert screen.attempt.hints_used == 1

        editor.text = "def add(a, b):\n    return a + b\n"
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "PASSED" in plain(screen.query_one("#run-status"))
        assert screen.attempt.passed and screen.attempt.failed_before_pass == 1

        await pilot.press("ctrl+s")
        await pilot.pause()
        reason = plain(app.screen.query_one("#rating-reason"))
        assert "Hard" in reason and "1 failed run and 1 hint" in reason
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)

    card = exercise_card(study_db)
    with study_db.unit_of_work() as session:
        logs = session.scalars(select(ReviewLog)).all()
        assert [(log.rating, log.source) for log in logs] == [(2, "grader")]
        submissions = session.scalars(select(Submission).order_by(Submission.id)).all()
        assert [s.status for s in submissions] == ["failed", "passed"]
        assert submissions[0].verdict["diagnosis"]["id"] == "subtracts"
        assert submissions[1].card_id == card


async def test_first_try_pass_can_be_overridden(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.query_one("#editor").text = "def add(a, b):\n    return a + b\n"
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Easy" in plain(app.screen.query_one("#rating-reason"))  # under the target time
        await pilot.press("3")  # override: Good
        await settle(pilot)
    with study_db.unit_of_work() as session:
        assert session.scalars(select(ReviewLog.rating)).all() == [3]


async def test_the_last_attempt_is_reopened(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.query_one("#editor").text = "def add(a, b):\n    return b - a\n"
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("escape", "escape")  # leave the editor, then the screen
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)
        screen = await open_exercise(app, pilot)
        assert "return b - a" in screen.query_one("#editor").text


async def test_reveal_the_solution_after_confirming_rates_again(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("n")  # declined: nothing happens
        await pilot.pause()
        assert not screen.attempt.revealed
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.attempt.revealed
        assert "return a + b" in plain(screen.query_one("#solution"))
        assert screen.focused is screen.query_one("#solution-panel")
        with study_db.unit_of_work() as session:
            assert session.scalars(select(ReviewLog.rating)).all() == [1]
        await pilot.press("ctrl+s")  # already rated: submit just leaves
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)
    with study_db.unit_of_work() as session:
        assert session.scalars(select(ReviewLog.rating)).all() == [1]


async def test_the_banner_shows_while_the_grader_warms_up(make_app):
    grader = FakeGrader(warming=True)
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        banner = screen.query_one("#grader-banner")
        assert banner.display and "warming up" in plain(banner)
        grader.warming = False
        await pilot.pause(0.5)
        assert not banner.display


async def test_the_editor_stays_usable_while_grading(make_app):
    grader = FakeGrader(delay=0.5)
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        editor = screen.query_one("#editor")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "⏳" in plain(screen.query_one("#run-status"))
        editor.move_cursor((0, 0))
        await pilot.press("x")
        assert editor.text.startswith("xdef add")
        await settle(pilot)
        assert "FAILED" in plain(screen.query_one("#run-status"))


async def test_exercises_come_up_in_review_and_are_rated_there(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.study("drills")
        await settle(pilot)
        review = app.screen
        await pilot.press("space", "4")  # the basic card of the deck
        await settle(pilot)
        assert isinstance(app.screen, ExerciseScreen)
        app.screen.query_one("#editor").text = "def add(a, b):\n    return a + b\n"
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is review and review.finished
        assert "2 cards" in plain(review.query_one("#summary"))


async def test_ctrl_e_edits_in_the_external_editor_and_grades_again(make_app, monkeypatch):
    import studyapp.tui.external_editor as external

    seen = {}

    def fake_edit_text(app, text, suffix=".py"):
        seen["text"], seen["suffix"] = text, suffix
        return "def add(a, b):\n    return a + b\n", None

    monkeypatch.setattr(external, "edit_text", fake_edit_text)
    monkeypatch.setenv("EDITOR", "vi")
    grader = FakeGrader()
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+e")  # works from inside the editor too
        await settle(pilot)
        assert "return a - b" in seen["text"] and seen["suffix"] == ".py"
        assert "return a + b" in screen.query_one("#editor").text
        assert len(grader.calls) == 1
        assert "PASSED" in plain(screen.query_one("#run-status"))


async def test_ctrl_e_without_editor_says_how_to_set_it(make_app, monkeypatch):
    monkeypatch.delenv("EDITOR", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_exercise(app, pilot)
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert any("set $EDITOR" in str(n.message) and "export EDITOR=" in str(n.message)
                   for n in app._notifications)
