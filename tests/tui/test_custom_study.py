"""Prerequisites in the open (a locked deck says why and can be studied anyway, the
ordering can be turned off), every custom-study mode, the dashboard at 80x24 and the
review screen's esc summary and counter."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyapp.scheduling.custom import raise_new_limit
from studyapp.scheduling.prerequisites import (
    PrerequisiteSettings,
    save_prerequisite_settings,
    set_deck_ordering,
)
from studyapp.scheduling.service import ReviewService
from studyapp.storage.models import Card, CardState, Deck, ReviewLog
from studyapp.study import custom
from studyapp.tui.screens.custom_study import CustomStudyDialog
from studyapp.tui.screens.dialogs import ConfirmDialog
from studyapp.tui.screens.review import ReviewScreen
from tests.tui.conftest import plain, settle


def lock_drills(db) -> None:
    """drills requires basics: its new card waits until basics has none left."""
    with db.unit_of_work() as session:
        session.scalars(select(Deck).where(Deck.slug == "drills")).one().requires = ["basics"]


def service(db, clock) -> ReviewService:
    return ReviewService(db, clock, day_start_hour=4)


def logs(db) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count(ReviewLog.id)))


def test_a_locked_deck_says_what_it_waits_for(study_db, clock):
    lock_drills(study_db)
    counts = {c.slug: c for c in service(study_db, clock).counts(with_locks=True)}
    drills = counts["drills"]
    assert drills.locked and drills.new == 0
    assert drills.lock.describe() == "after: Basics (0/3)"
    assert drills.as_dict()["lock"] == {"after": [{"deck": "basics", "title": "Basics", "studied": 0, "total": 3}]}
    assert not counts["basics"].locked
    # study anyway: the queue of that deck releases its new cards
    item = service(study_db, clock).next_card("drills", ignore_prerequisites=True)
    assert item is not None and item.content_id == "d-shape"
    assert service(study_db, clock).next_card("drills") is None  # without it, nothing


def test_prerequisite_ordering_can_be_turned_off_per_deck_or_globally(study_db, clock):
    lock_drills(study_db)
    with study_db.unit_of_work() as session:
        set_deck_ordering(session, "drills", on=False)
    drills = {c.slug: c for c in service(study_db, clock).counts(with_locks=True)}["drills"]
    assert not drills.locked and drills.new >= 1
    with study_db.unit_of_work() as session:
        save_prerequisite_settings(session, PrerequisiteSettings(enabled=False))
    drills = {c.slug: c for c in service(study_db, clock).counts(with_locks=True)}["drills"]
    assert not drills.locked and drills.new >= 1
    with study_db.unit_of_work() as session:
        save_prerequisite_settings(session, PrerequisiteSettings(enabled=True))
    assert {c.slug: c for c in service(study_db, clock).counts(with_locks=True)}["drills"].locked


def test_decks_are_found_by_title_as_well_as_slug(study_db, clock):
    svc = service(study_db, clock)
    assert [c.slug for c in svc.counts("Drills")] == ["drills"]
    assert [c.slug for c in svc.counts("basics")] == ["basics"]


async def test_the_dashboard_shows_the_lock_and_s_offers_to_study_anyway(make_app, study_db):
    lock_drills(study_db)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#decks")
        label = plain_cell(table, 1)
        assert label.startswith("Drills · after: Basics")
        await pilot.press("down")
        await pilot.pause()
        info = plain(app.screen.query_one("#deck-info"))
        assert "after: Basics (0/3)" in info and "s study it anyway" in info
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "Drills is locked" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        assert "tensor.shape" in app.screen.query_one("#front").source


def plain_cell(table, row: int) -> str:
    return str(table.get_row_at(row)[0].plain)


async def test_dashboard_counts_are_visible_at_80x24(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.query_one("#side-panel").display  # folded into one line
        assert "to study now" in plain(screen.query_one("#today-line"))
        table = screen.query_one("#decks")
        right = max(r.right for r in [table.region])
        assert right <= 80
        total = sum(c.get_render_width(table) for c in table.columns.values())
        assert total <= table.size.width  # every column fits: no horizontal scrolling
        rendered = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "New" in rendered and "Learn" in rendered and "Due" in rendered


def test_review_ahead_rates_early_reviews_normally(study_db, clock):
    svc = service(study_db, clock)
    capital = svc.next_card("basics")
    svc.review(capital.card_id, 4)  # Easy: due in days
    session = custom.review_ahead(svc, "basics", 30)
    assert session.card_ids == [capital.card_id]
    item = session.next_card(study_db)
    before = logs(study_db)
    svc.review(item.card_id, 3)
    session.mark_done(item.card_id)
    assert logs(study_db) == before + 1  # scheduled normally
    assert session.next_card(study_db) is None


def test_preview_takes_new_cards_in_order_and_search_filters(study_db, clock):
    svc = service(study_db, clock)
    preview = custom.preview_new(svc, None, 2)
    assert not preview.scheduled
    with study_db.unit_of_work() as session:
        ids = {c.content_id: c.id for c in session.scalars(select(Card))}
    assert preview.card_ids == [ids["b-capital"], ids["b-cloze::c1"]]
    assert custom.study_search(svc, "tag:adam").card_ids == [ids["b-choice"]]
    assert custom.study_search(svc, "kind:cloze").card_ids == [ids["b-cloze::c1"]]
    assert custom.study_search(svc, "is:leech").card_ids == []


def test_more_new_cards_today_for_one_deck(study_db, clock):
    svc = service(study_db, clock)
    from studyapp.scheduling.presets import Preset, save_preset

    with study_db.unit_of_work() as session:
        save_preset(session, "basics", Preset(new_per_day=1))
    assert {c.slug: c for c in svc.counts()}["basics"].new == 1
    assert svc.raise_new_limit("Basics", 2) == 2
    assert {c.slug: c for c in svc.counts()}["basics"].new == 3
    # tomorrow the raise is gone
    tomorrow = ReviewService(study_db, type(clock)(clock.now() + timedelta(days=1)), day_start_hour=4)
    assert {c.slug: c for c in tomorrow.counts()}["basics"].new == 1
    with study_db.unit_of_work() as session:
        assert raise_new_limit(session, svc.today_start(), "basics", 1) == 3


async def test_custom_study_preview_from_the_dialog_schedules_nothing(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CustomStudyDialog)
        await pilot.press("down")  # review ahead -> preview
        await pilot.pause()
        dialog.query_one("#value").value = "2"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.previewing
        assert "capital of France" in screen.query_one("#front").source
        assert "1 of 2" in plain(screen.query_one("#progress"))
        await pilot.press("space")
        await pilot.pause()
        assert not screen.query_one("#ratings").display
        await pilot.press("space")  # next card, nothing scheduled
        await pilot.pause()
        assert "momentum" in screen.query_one("#front").source
        await pilot.press("space", "space")
        await pilot.pause()
        assert screen.finished
        assert logs(study_db) == 0


async def test_custom_study_search_from_the_palette_rates_normally(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.custom_study(None)
        await settle(pilot)
        dialog = app.screen
        await pilot.press("down", "down")  # -> search
        await pilot.pause()
        dialog.query_one("#value").value = "kind:cloze"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert "momentum" in screen.query_one("#front").source
        await pilot.press("space", "3")
        await pilot.pause()
        assert screen.finished and logs(study_db) == 1


async def test_esc_shows_the_summary_then_the_dashboard(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        await pilot.press("space", "3")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.finished
        summary = plain(screen.query_one("#summary"))
        assert "Session ended" in summary and "1 card" in summary and "Good 1" in summary
        assert "Next:" in summary and "still to study today" in summary and "due tomorrow" in summary
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ReviewScreen)


async def test_suspending_shrinks_the_counter_and_the_toast_clears_the_rating_bar(make_app, study_db):
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert "1 of 3" in plain(screen.query_one("#progress"))
        await pilot.press("s")  # suspend the first card
        await pilot.pause()
        assert "1 of 2" in plain(screen.query_one("#progress"))
        # the toast is at the top, clear of the rating bar
        await pilot.press("space")
        await pilot.pause(0.3)
        toasts = list(app.screen.query("Toast"))
        assert toasts
        bar = screen.query_one("#ratings").region
        assert all(not t.region.overlaps(bar) for t in toasts)
        assert all(t.region.y < bar.y for t in toasts)
        with study_db.unit_of_work() as session:
            assert session.scalar(select(func.count(Card.id)).where(Card.suspended.is_(True))) == 1
            assert session.scalar(select(func.count(CardState.card_id)).where(CardState.state != 0)) == 0


async def test_settings_turn_prerequisites_off_for_one_deck(make_app, study_db):
    from studyapp.scheduling.prerequisites import load_prerequisite_settings
    from studyapp.tui.screens.settings import SettingsScreen

    lock_drills(study_db)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("comma")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        screen.query_one("#scope").value = "drills"
        await settle(pilot)
        assert screen.query_one("#prerequisites").value is True
        screen.query_one("#prerequisites").value = False
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        with study_db.unit_of_work() as session:
            ordering = load_prerequisite_settings(session)
        assert ordering.enabled and ordering.off == {"drills"}
        await pilot.press("escape")
        await settle(pilot)
        drills = {d.slug: d for d in app.screen.decks}["drills"]
        assert not drills.locked and drills.new == 2  # d-shape and the exercise


async def test_the_review_footer_at_80_columns_keeps_labels_apart_and_ends_with_the_palette_hint(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("space")
        await settle(pilot)
        footer = app.screen._compositor.render_strips()[-1].text
        assert "1234 Rate u Undo" in footer  # not "Rateu"
        assert footer.rstrip().endswith("^p palette")
        assert footer.endswith("palette ")  # the hint reaches the last column: nothing shows after it


def test_a_search_may_name_its_deck_by_title(study_db, clock):
    svc = service(study_db, clock)
    with study_db.unit_of_work() as session:
        shape = session.scalar(select(Card.id).where(Card.content_id == "d-shape"))
    assert custom.study_search(svc, "tag:torch deck:Drills").card_ids == [shape]
    assert custom.study_search(svc, "tag:torch", deck="drills").card_ids == [shape]


async def test_more_new_cards_and_review_ahead_from_the_dialog(make_app, study_db, clock):
    from studyapp.scheduling.presets import Preset, save_preset

    with study_db.unit_of_work() as session:
        save_preset(session, "basics", Preset(new_per_day=1))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert {d.slug: d for d in app.screen.decks}["basics"].new == 1
        await pilot.press("c")  # on Basics
        await settle(pilot)
        await pilot.press("down", "down", "down")  # ahead -> preview -> search -> more new
        await pilot.pause()
        assert app.screen.mode == "more_new"
        app.screen.query_one("#value").value = "2"
        await pilot.press("enter")
        await settle(pilot)
        assert {d.slug: d for d in app.screen.decks}["basics"].new == 3
        # rate the first card Easy, then review it ahead of time
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("space", "4", "escape", "escape")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert app.screen.mode == "ahead"
        app.screen.query_one("#value").value = "30"
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.filtered is not None
        assert "capital of France" in screen.query_one("#front").source
        before = logs(study_db)
        await pilot.press("space", "3")
        await pilot.pause()
        assert logs(study_db) == before + 1 and screen.finished
