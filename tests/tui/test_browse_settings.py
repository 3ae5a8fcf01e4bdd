"""Browse and suspend; settings that persist; help and the command palette cover every key."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyapp.scheduling.presets import load_preset
from studyapp.storage.models import Card
from studyapp.storage.settings import get_setting
from studyapp.study.preferences import load_preferences
from studyapp.tui.screens.browse import BrowseScreen
from studyapp.tui.screens.settings import SettingsScreen
from tests.tui.conftest import add_history, plain, settle


def content_id_at(table, row: int) -> str:
    """The content id of the card on `row` (the list shows its question, not its id)."""
    key = table.coordinate_to_cell_key((row, 0)).row_key.value
    return table.screen._rows[int(key)].content_id


def suspended(db, content_id: str) -> bool:
    with db.unit_of_work() as session:
        return session.scalar(select(Card.suspended).where(Card.content_id == content_id))


async def test_browse_search_filter_and_suspend(make_app, study_db, clock):
    add_history(study_db, clock, days=6)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        table = screen.query_one("#cards")
        assert table.row_count == 5  # every live card
        assert plain(screen.query_one("#browse-status")) == "5 cards"

        await pilot.press("slash")
        await pilot.press(*"kind:choice")
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 1
        assert content_id_at(table, 0) == "b-choice"
        detail = plain(screen.query_one("#card-detail"))
        assert "Which optimizer keeps two running averages" in detail
        assert "✔ Adam" in detail
        assert "Review history" in detail

        await pilot.press("s")
        await pilot.pause()
        assert suspended(study_db, "b-choice")
        assert str(table.get_row_at(0)[3]) == "suspended"
        screen.query_one("#search").value = "is:suspended"
        screen.search()
        await settle(pilot)
        assert [content_id_at(table, i) for i in range(table.row_count)] == ["b-choice"]
        await pilot.press("s")
        await pilot.pause()
        assert not suspended(study_db, "b-choice")

        screen.query_one("#search").value = "tag:torch deck:basics"
        screen.search()
        await settle(pilot)
        assert sorted(content_id_at(table, i) for i in range(table.row_count)) == ["b-choice", "b-cloze::c1"]

        screen.query_one("#search").value = "Paris"
        screen.search()
        await settle(pilot)
        assert [content_id_at(table, i) for i in range(table.row_count)] == ["b-capital"]
        detail = plain(screen.query_one("#card-detail"))
        assert "reps" in detail and ("Good" in detail or "Again" in detail or "Easy" in detail)

        screen.query_one("#search").value = "is:bogus"
        screen.search()
        await settle(pilot)
        assert "unknown state" in plain(screen.query_one("#browse-status"))

        await pilot.press("escape", "escape")  # leave the search line, then the screen
        await settle(pilot)
        assert not isinstance(app.screen, BrowseScreen)


async def test_browse_opens_an_exercise(make_app):
    from studyapp.tui.screens.exercise import ExerciseScreen
    from tests.tui.fakes import FakeGrader

    app = make_app(FakeGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # the dashboard's exercises key: browse, filtered
        await settle(pilot)
        table = app.screen.query_one("#cards")
        assert [content_id_at(table, i) for i in range(table.row_count)] == ["toy-add"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ExerciseScreen)


async def test_change_settings_and_see_them_persist(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("comma")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        assert screen.query_one("#desired_retention").value == "0.9"
        screen.query_one("#desired_retention").value = "0.85"
        screen.query_one("#new_per_day").value = "7"
        screen.query_one("#learning_steps").value = "2m 15m 1h"
        screen.query_one("#day_start_hour").value = "6"
        screen.query_one("#grading_device").value = "auto"
        screen.query_one("#theme").value = "nord"
        await pilot.pause()
        assert screen.dirty
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.dirty
        assert app.theme == "nord"

        # a bad value is refused and nothing is written
        screen.query_one("#desired_retention").value = "1.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Not saved" in plain(screen.query_one("#settings-status"))

    with study_db.unit_of_work() as session:
        for slug in ("basics", "drills"):
            preset = load_preset(session, slug)
            assert preset.desired_retention == 0.85 and preset.new_per_day == 7
            assert [int(s.total_seconds()) for s in preset.learning_steps] == [120, 900, 3600]
        preferences = load_preferences(session)
        assert (preferences.day_start_hour, preferences.grading_device, preferences.theme) == (6, "auto", "nord")
        assert get_setting(session, "day_start_hour") == 6  # the key the scheduler reads

    # a fresh app shows what was saved
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        await pilot.press("comma")
        await settle(pilot)
        assert app.screen.query_one("#desired_retention").value == "0.85"
        assert app.screen.query_one("#grading_device").value == "auto"


async def test_one_deck_preset_and_discarding_changes(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("comma")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#scope").value = "drills"
        await pilot.pause()
        screen.query_one("#reviews_per_day").value = "50"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen.query_one("#reviews_per_day").value = "60"
        await pilot.pause()
        await pilot.press("escape")  # unsaved: asks first
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert not isinstance(app.screen, SettingsScreen)
    with study_db.unit_of_work() as session:
        assert load_preset(session, "drills").reviews_per_day == 50
        assert load_preset(session, "basics").reviews_per_day == 200


def test_help_lists_every_key_of_every_screen():
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.help import SCREEN_CLASSES, help_sections

    sections = dict(help_sections())
    assert len(sections) == len(SCREEN_CLASSES) + 1
    import importlib

    for module_name, class_name in SCREEN_CLASSES:
        screen_class = getattr(importlib.import_module(module_name), class_name)
        descriptions = {d for _, d in sections[screen_class.LABEL]}
        for binding in screen_class.BINDINGS:
            if binding.description:
                assert binding.description in descriptions, (class_name, binding)
    everywhere = {d for _, d in sections["Everywhere"]}
    assert {b.description for b in StudyApp.BINDINGS if b.description} <= everywhere


async def test_help_screen_opens_and_closes(make_app):
    from studyapp.tui.screens.help import HelpScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(plain(s) for s in app.screen.query(".help-section"))
        assert "Study all" in text and "Run checks" in text and "Suspend/unsuspend" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("screen_key", ["dashboard", "review"])
async def test_the_palette_offers_navigation_decks_and_the_screen_actions(make_app, screen_key):
    from studyapp.tui.commands import NavigationCommands, ScreenActionCommands

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        if screen_key == "review":
            app.study(None)
            await settle(pilot)
        titles = [c.title for c in NavigationCommands(app.screen).commands()]
        assert {"Study everything due", "Browse cards", "Stats", "Settings", "Help"} <= set(titles)
        assert "Study deck: Basics" in titles and "Study deck: Drills" in titles
        actions = [c.title for c in ScreenActionCommands(app.screen).commands()]
        if screen_key == "dashboard":
            assert {"Dashboard: Study", "Dashboard: Study all", "Dashboard: Exercises"} <= set(actions)
            assert not [a for a in actions if "Cursor" in a]
        else:
            assert {"Review: Show answer", "Review: Undo", "Review: Suspend", "Review: End session"} <= set(actions)
            assert "Review: Good" not in actions  # not before the answer is shown


async def test_palette_runs_a_command(make_app):
    from studyapp.tui.screens.stats import StatsScreen

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"stats")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)


async def test_open_the_source_file_of_a_card(make_app, monkeypatch):
    import studyapp.tui.external_editor as external

    opened = []
    monkeypatch.setattr(external, "open_file", lambda app, path, line=None: opened.append((path, line)))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
    path, line = opened[0]
    assert path.endswith("basics.md") and line == 9


async def test_browse_lists_questions_with_full_state_names_and_refreshes_after_a_rating(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#cards")
        first = table.get_row_at(0)
        assert str(first[0]).startswith("What is the capital")  # the question, not the id
        assert str(first[3]) == "new"
        app.study("basics")  # study on top of browse, then come back
        await settle(pilot)
        await pilot.press("space", "1")  # Again: the card is learning now
        await pilot.pause()
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen is screen
        states = {content_id_at(table, i): str(table.get_row_at(i)[3]) for i in range(table.row_count)}
        assert states["b-capital"] == "learning"
        # the state column is wide enough for the longest name
        state_column = next(c for k, c in table.columns.items() if k.value == "state")
        assert state_column.width >= len("relearning")


async def test_a_card_deleted_while_browsing_is_a_notification_not_a_crash(make_app, study_db):
    from studyapp.storage.models import CardState

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#cards")
        assert table.row_count == 5
        gone = content_id_at(table, 1)
        with study_db.unit_of_work() as session:  # deleted by another process, say
            card = session.scalar(select(Card).where(Card.content_id == gone))
            session.execute(CardState.__table__.delete().where(CardState.card_id == card.id))
            session.delete(card)
        await pilot.press("down")  # the detail of the deleted card is asked for
        await settle(pilot)
        assert app.is_running and app.screen is screen
        notes = [n.message for n in app._notifications]
        assert any("Could not load the card" in note and "no card" in note for note in notes)
        await settle(pilot)
        assert table.row_count == 4  # searched again: the card is gone from the list
        assert gone not in [content_id_at(table, i) for i in range(table.row_count)]
