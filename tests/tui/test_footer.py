"""Start-up: the key footer (`StudyFooter`) has its keys in the first frame, is rebuilt only when they change,
never stale; the dashboard's database work waits for the keys to be drawn; the paused garbage
collector comes back then."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from studyapp.tui.screens.dashboard import DashboardScreen
from studyapp.tui.widgets.study_footer import StudyFooter
from tests.tui.conftest import settle


def drawn_keys(screen) -> list[str]:
    footer = screen.query_one(StudyFooter)
    return [key.key for key in footer.query(FooterKey) if not key.has_class("-command-palette")]


def shown_bindings(screen) -> list[str]:
    """What the footer should show: the screen's active bindings marked to be shown."""
    return [binding.key for _node, binding, _enabled, _tip in screen.active_bindings.values() if binding.show]


def count_rebuilds(monkeypatch) -> list[StudyFooter]:
    rebuilt: list[StudyFooter] = []
    original = StudyFooter.recompose

    async def recompose(self: StudyFooter) -> None:
        rebuilt.append(self)
        await original(self)

    monkeypatch.setattr(StudyFooter, "recompose", recompose)
    return rebuilt


async def test_dashboard_footer_draws_its_keys_once(make_app, monkeypatch):
    rebuilt = count_rebuilds(monkeypatch)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert drawn_keys(app.screen)[:2] == ["s", "a"]  # Study, Study all
        assert drawn_keys(app.screen) == [k for k in shown_bindings(app.screen)]
        # focus moving to the deck table changed no shown key: nothing was rebuilt
        assert rebuilt == []


async def test_footer_follows_keys_that_change_with_focus(make_app, monkeypatch):
    """The browse screen's search field takes the letter keys: the footer drops them while
    it has focus and shows them again when the table has it."""
    rebuilt = count_rebuilds(monkeypatch)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        seen = set()
        for _ in range(3):
            await pilot.press("tab")
            await settle(pilot)
            keys = drawn_keys(screen)
            assert keys == [k for k in shown_bindings(screen)]
            seen.add(tuple(keys))
        assert len(seen) == 2  # the field's keys and the table's keys
        assert rebuilt  # changing keys did rebuild


async def test_dashboard_opens_the_database_after_the_keys_are_drawn(make_app, monkeypatch):
    keys_when_loading: list[list[str]] = []
    original = DashboardScreen._first_load

    def first_load(self: DashboardScreen) -> None:
        if self._first_load_waiting:
            keys_when_loading.append(drawn_keys(self))
        original(self)

    monkeypatch.setattr(DashboardScreen, "_first_load", first_load)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(keys_when_loading) == 1
        assert "a" in keys_when_loading[0]
        assert app.screen.decks  # and the load did run


async def test_the_collector_paused_for_start_up_is_back_once_the_dashboard_is_drawn(make_app):
    import gc

    from studyapp.tui import startup_gc

    startup_gc.pause()  # what launch_tui does before importing Textual
    try:
        assert not gc.isenabled()
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_resuming_leaves_a_collector_it_did_not_pause_alone():
    import gc

    from studyapp.tui import startup_gc

    gc.disable()  # switched off by someone else
    try:
        startup_gc.resume()
        assert not gc.isenabled()
    finally:
        gc.enable()


async def test_the_grader_starts_once_the_deck_table_is_drawn(make_app):
    """Its worker imports torch on the other core: started earlier, it held back the
    database work that fills the dashboard."""
    from tests.tui.fakes import FakeGrader

    decks_when_started: list[int] = []

    def grader_factory(device, database):
        decks_when_started.append(len(app.screen.decks))
        return FakeGrader()

    app = make_app(grader_factory=grader_factory)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(decks_when_started) == 1 and decks_when_started[0] > 0
        assert app.current_grader() is not None and app.current_grader().started
        await pilot.press("r")  # the dashboard loads again: the grader is not started twice
        await settle(pilot)
        assert len(decks_when_started) == 1
