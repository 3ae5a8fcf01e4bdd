"""The exercise loop a learner can live in (issue 13): drafts that survive leaving and
restarting, submit = grade + rate, an honest rating suggestion, exercises that wait a
day, a Python editor, panes that take focus, hidden formulas on review."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from studyapp.storage.models import Draft, ReviewLog
from studyapp.tui.screens.exercise import ExerciseScreen
from tests.tui.conftest import plain, settle
from tests.tui.fakes import FakeGrader
from tests.tui.test_exercise import exercise_card, open_exercise

FIXED = "def add(a, b):\n    return a + b\n"


async def test_draft_survives_leaving_and_restarting_the_app(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.editor.text = "def add(a, b):\n    # thinking\n    return a\n"
        await pilot.pause(1.3)  # the debounced save
        with study_db.unit_of_work() as session:
            assert "# thinking" in session.get(Draft, "toy-add").code
        screen.editor.text = "def add(a, b):\n    # still thinking\n"
        await pilot.press("escape", "escape")  # leaving saves at once
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)
        screen = await open_exercise(app, pilot)
        assert "# still thinking" in screen.editor.text
        assert screen.editor.border_subtitle.startswith("draft")
        screen.editor.text = "def add(a, b):\n    # typed just before quitting\n"
        await pilot.press("escape", "q")  # quit with no pause for the debounce
        await pilot.pause()

    app = make_app(FakeGrader(), database=study_db)  # a new app on the same database
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        assert "# typed just before quitting" in screen.editor.text
        assert "03-02 09:30" in screen.editor.border_subtitle  # the draft's time


async def test_reset_to_starter_asks_first(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.editor.text = "mine"
        await pilot.press("escape", "x")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert screen.editor.text == "mine"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "return a - b" in screen.editor.text


async def test_ctrl_s_on_unchecked_code_grades_it_then_rates(make_app, study_db):
    grader = FakeGrader()
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.editor.text = FIXED
        await pilot.press("ctrl+s")  # never ran the checks
        await settle(pilot)
        assert [call[1] for call in grader.calls] == [FIXED]
        assert "PASSED" in plain(app.screen.query_one("#rating-verdict"))
        reason = plain(app.screen.query_one("#rating-reason"))
        assert "Easy" in reason and "first run" in reason
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)
    with study_db.unit_of_work() as session:
        assert session.scalars(select(ReviewLog.rating)).all() == [4]


async def test_ctrl_s_grades_the_code_as_it_is_not_the_last_run(make_app, study_db):
    grader = FakeGrader()
    app = make_app(grader)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        screen.editor.text = FIXED
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen.editor.text = "def add(a, b):\n    return a - b\n"  # broken again after passing
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert len(grader.calls) == 2
        reason = plain(app.screen.query_one("#rating-reason"))
        assert "Again" in reason and "did not pass" in reason


async def test_suggestion_after_a_failed_run_is_never_first_time(make_app, study_db):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")  # the starter fails
        await settle(pilot)
        await pilot.press("escape")
        app.screen.dismiss(None)  # leave without rating
        await settle(pilot)
        screen = await open_exercise(app, pilot)  # a new visit: the failed run still counts
        screen.editor.text = FIXED
        await pilot.press("ctrl+s")
        await settle(pilot)
        reason = plain(app.screen.query_one("#rating-reason"))
        assert "first" not in reason
        assert "Hard" in reason and "1 failed run" in reason


async def test_exercise_rated_again_is_not_due_the_same_day(make_app, study_db, clock):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        await open_exercise(app, pilot)
        await pilot.press("ctrl+s")  # the starter fails
        await settle(pilot)
        await pilot.press("enter")  # accept Again
        await settle(pilot)
        assert not isinstance(app.screen, ExerciseScreen)
        service = app.study_service.reviews
        card = exercise_card(study_db)
        assert card not in [item.card_id for item in service.queue()]
        clock.advance(hours=12)
        assert card not in [item.card_id for item in service.queue()]
    with study_db.unit_of_work() as session:
        log = session.scalars(select(ReviewLog)).one()
        assert log.rating == 1 and log.due - log.reviewed_at >= timedelta(days=1)


async def test_editor_keeps_indentation_and_indents_after_a_colon(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        editor = screen.editor
        editor.text = ""
        await pilot.press(*"def f(x):", "enter", *"if x:", "enter", *"return 1", "enter", *"y")
        assert editor.text == "def f(x):\n    if x:\n        return 1\n        y"
        await pilot.press("shift+tab")
        assert editor.text.endswith("\n    y")
        await pilot.press("home", "tab")
        assert editor.text.endswith("\n        y")
        await pilot.press("ctrl+underscore")  # what a terminal sends for ctrl+/
        assert editor.text.endswith("\n        # y")
        await pilot.press("ctrl+underscore")
        assert editor.text.endswith("\n        y")
        assert not editor.soft_wrap
        await pilot.press("ctrl+l")
        assert editor.soft_wrap


async def test_panes_take_focus_and_maximize(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("escape", "r")
        results = screen.query_one("#results-panel")
        assert screen.focused is results
        await pilot.press("f")
        assert screen.maximized is results
        await pilot.press("f")
        assert screen.maximized is None
        await pilot.press("p")
        assert screen.focused is screen.query_one("#prompt-panel")
        await pilot.press("ctrl+b")
        assert not screen.query_one("#side-column").display
        assert screen.focused is screen.editor
        assert screen.editor.size.width >= 110
        await pilot.press("i")
        assert screen.focused is screen.editor


async def test_solution_beside_the_code_or_as_a_diff(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert screen.query_one("#solution-panel").display and screen.editor.display
        await pilot.press("v")
        shown = plain(screen.query_one("#solution"))
        assert "-    return a - b" in shown and "+    return a + b" in shown
        await pilot.press("f")
        assert screen.maximized is screen.query_one("#solution-panel")


async def test_submission_history_lists_opens_and_diffs(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        screen.editor.text = FIXED
        await pilot.press("escape", "y")
        await pilot.pause()
        history = app.screen
        assert "Submissions (1)" in plain(history.query_one(".dialog-title"))
        assert "return a - b" in plain(history.query_one("#history-code"))
        assert "FAILED" in plain(history.query_one("#history-verdict"))
        await pilot.press("d")
        shown = plain(history.query_one("#history-code"))
        assert "-    return a - b" in shown and "+    return a + b" in shown
        await pilot.press("l")
        await pilot.pause()
        assert app.screen is screen and "return a - b" in screen.editor.text


async def test_hint_ladder_brings_back_formulas_hidden_on_review(make_app, study_db, clock):
    from studyapp.clock import FixedClock
    from studyapp.scheduling.service import ReviewService

    with study_db.unit_of_work() as session:
        from studyapp.storage.models import Card

        card = session.get(Card, exercise_card(study_db))
        card.front = ("# Add\n\n```hide-on-review\n$$c = a + b$$\n```\n\nWrite `add(a, b)`.")
    earlier = FixedClock(clock.now() - timedelta(days=5))
    ReviewService(study_db, earlier, day_start_hour=4).review(exercise_card(study_db), 3)
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        assert screen.reviewing
        prompt = screen.query_one("#prompt").source
        assert "c = a + b" not in prompt and "hidden" in prompt
        await pilot.press("escape", "h")
        await pilot.pause()
        assert "c = a + b" in screen.query_one("#formulas").source
        assert screen.attempt.hints_used == 1


async def test_editor_has_80_code_columns_at_120_with_the_prompt_shown(make_app):
    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        editor = screen.editor
        assert screen.query_one("#side-column").display
        assert editor.content_region.width - editor.gutter_width >= 80


class FixGrader(FakeGrader):
    """A grader whose diagnosis says apart what is wrong and how to fix it."""

    async def grade(self, exercise_id, code, *, variant_seed=None):
        verdict = await super().grade(exercise_id, code, variant_seed=variant_seed)
        if verdict.diagnosis is not None:
            verdict.diagnosis.fix = "Return a + b."
        return verdict


async def test_how_to_fix_shows_on_the_hint_key_or_the_same_mistake_twice(make_app):
    app = make_app(FixGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        diagnosis = plain(screen.query_one("#diagnosis"))
        assert "subtracts" in diagnosis and "Return a + b." not in diagnosis and "how to fix" in diagnosis
        await pilot.press("ctrl+r")  # the same mistake again
        await settle(pilot)
        assert "How to fix it: Return a + b." in plain(screen.query_one("#diagnosis"))

    app = make_app(FixGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.press("ctrl+g")  # the hint key
        await pilot.pause()
        assert "How to fix it: Return a + b." in plain(screen.query_one("#diagnosis"))
