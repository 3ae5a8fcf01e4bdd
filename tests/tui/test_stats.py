"""The stats screen shows the stats package's numbers for the learner's history."""

from __future__ import annotations

from studyapp.tui.screens.stats import StatsScreen
from tests.tui.conftest import add_history, plain, settle


async def test_stats_show_activity_retention_outlook_mastery_calibration(make_app, study_db, clock):
    add_history(study_db, clock, days=20)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        status = plain(screen.query_one("#stats-status"))
        assert "2026-03-02" in status and "0 reviews today" in status
        activity = plain(screen.query_one("#stats-activity"))
        assert "day streak" in activity and "all time" in activity
        assert "week" in activity and "month" in activity
        assert "■" in plain(screen.query_one("#stats-heatmap"))
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one("#stats-tabs").active == "tab-outlook"
        outlook = plain(screen.query_one("#stats-outlook"))
        assert "Estimated knowledge" in outlook and "total" in outlook
        assert "yesterday" in plain(screen.query_one("#stats-retention"))
        assert "topic (weakest first)" in plain(screen.query_one("#stats-mastery"))
        assert "Log loss" in plain(screen.query_one("#stats-calibration"))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, StatsScreen)
