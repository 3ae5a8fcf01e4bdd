"""Reviewing from the dashboard: reveal, rate (with interval previews), undo, choice and
cloze cards, edit, suspend and the session summary."""

from __future__ import annotations

from sqlalchemy import func, select

from studyapp.storage.models import Card, CardState, ReviewLog
from studyapp.tui.screens.review import ReviewScreen
from studyapp.tui.widgets.choice_options import ChoiceOptions
from tests.tui.conftest import plain, settle


def log_count(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count(ReviewLog.id)))


def card_id(db, content_id: str) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(Card.id).where(Card.content_id == content_id))


def front_text(screen) -> str:
    return screen.query_one("#front").source


def button_label(screen, value: int) -> str:
    return str(screen.query_one(f"#rate-{value}").label)


async def test_review_a_card_end_to_end(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#decks")
        assert table.row_count == 3  # two decks and "All decks"
        await pilot.press("s")  # the cursor is on Basics
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "capital of France" in front_text(screen)
        assert not screen.query_one("#ratings").display
        assert "1 of 3" in plain(screen.query_one("#progress"))

        await pilot.press("space")
        await pilot.pause()
        assert screen.revealed
        assert screen.query_one("#ratings").display
        assert screen.query_one("#back").source == "Paris."
        # each button shows the interval it would give
        assert button_label(screen, 1) == "1 Again · 1m"
        assert button_label(screen, 3) == "3 Good · 10m"
        assert button_label(screen, 4).startswith("4 Easy · ")

        await pilot.press("3")
        await pilot.pause()
        assert log_count(study_db) == 1
        assert "momentum=[...]" in front_text(screen)  # the cloze's blank
        assert "2 of 4" in plain(screen.query_one("#progress"))  # the card comes back today

        await pilot.press("u")
        await pilot.pause()
        assert log_count(study_db) == 0
        assert "capital of France" in front_text(screen)
        with study_db.unit_of_work() as session:
            state = session.get(CardState, card_id(study_db, "b-capital"))
            assert state.state == 0 and state.reps == 0


async def test_while_a_rating_is_stored_no_key_acts_so_undo_cannot_overtake_it(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        await pilot.press("space")
        await pilot.pause()
        screen.action_rate(3)  # stored by a thread worker
        assert screen.writing
        assert not screen.check_action("undo", ()) and not screen.check_action("leave", ())
        screen.action_undo()  # ignored: it would undo the rating before this one
        await settle(pilot)
        assert not screen.writing
        assert log_count(study_db) == 1
        assert "momentum=[...]" in front_text(screen)  # the next card
        await pilot.press("u")
        await settle(pilot)
        assert log_count(study_db) == 0
        assert "capital of France" in front_text(screen)


async def test_cloze_and_choice_render_as_such_and_the_session_ends_with_a_summary(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        await pilot.press("space", "4")  # the basic card, Easy: graduates
        await pilot.pause()

        assert "momentum=[...]" in front_text(screen)
        await pilot.press("space")
        await pilot.pause()
        assert "momentum=**0**" in front_text(screen)  # the answer in place
        await pilot.press("4")
        await pilot.pause()

        assert "two running averages" in front_text(screen)
        choices = screen.query_one("#choices", ChoiceOptions)
        assert choices.display and len(choices.options) == 3
        shown = [o["text"] for o in choices.options]  # shuffled for this showing
        wrong, right = shown.index("SGD") + 1, shown.index("Adam") + 1
        await pilot.press(str(wrong))  # pick SGD: wrong
        await pilot.press(str(wrong))  # unpick
        await pilot.press(str(right))  # pick Adam
        assert choices.picked == {right - 1}
        await pilot.press("space")
        await pilot.pause()
        assert choices.revealed and choices.answered_right
        assert screen.query_one("#rate-3").has_class("-suggested")
        await pilot.press("4")
        await pilot.pause()

        assert screen.finished
        summary = plain(screen.query_one("#summary"))
        assert "3 cards" in summary
        assert "Retention 100%" in summary
        assert log_count(study_db) == 3
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReviewScreen)


async def test_summary_names_what_was_hard(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        await pilot.press("space", "2", "space", "4", "space", "4")
        await pilot.pause()
        # Hard on a new card leaves it in learning, due again within the session
        assert "capital of France" in front_text(screen)
        await pilot.press("space", "4")
        await pilot.pause()
        assert screen.finished
        summary = plain(screen.query_one("#summary"))
        assert "What was hard" in summary and "b-capital" in summary
        assert "Retention 100%" in summary


async def test_edit_and_suspend_from_the_review(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen.query_one("#field-front")
        editor.text = "What is the capital city of France?"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "capital city of France" in front_text(screen)
        with study_db.unit_of_work() as session:
            assert session.get(Card, card_id(study_db, "b-capital")).front == "What is the capital city of France?"

        await pilot.press("s")
        await pilot.pause()
        with study_db.unit_of_work() as session:
            assert session.get(Card, card_id(study_db, "b-capital")).suspended
        assert "momentum=[...]" in front_text(screen)
