"""The Add screen: live preview of the cards a note makes, ctrl+s writes the note into
the learner's own folder and the card appears; and a typed-answer card compares."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from studyapp.storage.models import Card, ReviewLog
from studyapp.tui.screens.add_card import AddCardScreen
from studyapp.tui.screens.review import ReviewScreen
from tests.tui.conftest import CONTENT, plain, settle


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    """The own folder in a temporary data dir; the test bundle stands in for the shipped content."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("studyapp.content.service.shipped_content_dir", lambda: CONTENT)


async def test_add_a_card_from_the_screen(make_app, study_db, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n")  # the dashboard's add key, on the Basics row
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, AddCardScreen)
        assert screen.query_one("#add-deck").value == "Basics"
        await pilot.press(*"What is 2+2?", "tab", *"4")
        await pilot.pause()
        preview = plain(screen.query_one("#add-preview"))
        assert "Card 1 of 1" in preview and "What is 2+2?" in preview
        screen.query_one("#add-kind").value = "reversed"
        await pilot.pause()
        assert "Card 2 of 2" in plain(screen.query_one("#add-preview"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.added == ["my-what-is-2-2"]
        assert screen.query_one("#field-1").text == ""  # ready for the next card
        text = (tmp_path / "xdg" / "studyapp" / "my-content" / "decks" / "basics.md").read_text()
        assert "## my-what-is-2-2\nkind: basic\nreverse: true\n\nQ: What is 2+2?\n\nA: 4\n" in text
        with study_db.unit_of_work() as session:
            mine = session.scalars(select(Card).where(Card.content_id.like("my-%")))
            cards = {c.content_id: c.deck.slug for c in mine}
        assert cards == {"my-what-is-2-2": "basics", "my-what-is-2-2::reverse": "basics"}


async def test_the_preview_explains_what_is_missing(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.add_card(None)
        await settle(pilot)
        screen = app.screen
        screen.query_one("#add-kind").value = "cloze"
        await pilot.pause()
        screen.query_one("#field-1").text = "no deletion here"
        await pilot.pause()
        preview = plain(screen.query_one("#add-preview"))
        assert "Not a card yet" in preview and "no deletion" in preview
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.added == []


async def test_a_typed_answer_card_compares_character_by_character(make_app, study_db):
    with study_db.unit_of_work() as session:
        card = session.scalars(select(Card).where(Card.content_id == "b-capital")).one()
        card.extra = {"answer": "typed"}
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        typed = screen.query_one("#typed")
        assert typed.display and screen.focused is typed
        await pilot.press(*"Pariss", "enter")  # one letter too many, the dot missing
        await pilot.pause()
        assert screen.revealed
        comparison = plain(screen.query_one("#comparison"))
        assert "You typed:  Pariss" in comparison and "Answer:     Paris." in comparison
        assert screen.query_one("#rate-1").has_class("-suggested")  # not exact: Again suggested
        await pilot.press("3")  # the number keys rate again
        await pilot.pause()
        with study_db.unit_of_work() as session:
            assert session.scalar(select(ReviewLog.rating)) == 3


def test_the_comparison_marks_right_wrong_and_missing():
    from studyapp.study.typed import compare_typed

    result = compare_typed("Pariss", "**Paris.**")
    assert [(p.text, p.kind) for p in result.typed] == [("Paris", "good"), ("s", "bad"), (".", "missing")]
    assert not result.exact and result.suggested_rating == 1
    exact = compare_typed("Paris.", "Paris.")
    assert exact.exact and exact.suggested_rating == 3
    cased = compare_typed("relu", "ReLU")
    assert not cased.exact and [p.kind for p in cased.typed][:2] == ["bad", "missing"]


async def test_browse_shows_both_texts_of_an_edited_shipped_card_and_r_takes_the_shipped_one(make_app, study_db, clock):
    from studyapp.storage.models import CardOverride
    from studyapp.study.edits import SAVED_AS_OVERRIDE, save_card_edit

    with study_db.unit_of_work() as session:
        card_id = session.scalar(select(Card.id).where(Card.content_id == "b-capital"))
    where = save_card_edit(study_db, clock, card_id, {"front": "What is the capital of France?", "back": "Paris!"})
    assert where == SAVED_AS_OVERRIDE
    with study_db.unit_of_work() as session:  # as a sync that brought a new shipped text leaves it
        override = session.get(CardOverride, card_id)
        override.shipped_back, override.shipped_changed_at = "Paris, on the Seine.", clock.now()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        screen.set_query("capital")
        await settle(pilot)
        detail = plain(screen.query_one("#card-detail"))
        assert "Paris!" in detail and "Paris, on the Seine." in detail
        assert "the shipped text changed since" in detail
        await pilot.press("r")
        await settle(pilot)
        detail = plain(screen.query_one("#card-detail"))
        assert "Paris, on the Seine." in detail and "Paris!" not in detail
    with study_db.unit_of_work() as session:
        assert session.get(CardOverride, card_id) is None
