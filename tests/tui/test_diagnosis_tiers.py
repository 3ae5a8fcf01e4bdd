"""Diagnosis in tiers on the exercise screen: what is wrong (and the evidence) on the first
failure; how to fix it on the hint key, or on a second failure with the same diagnosis."""

from __future__ import annotations

from studyapp.grading.verdict import Diagnosis, Verdict
from tests.tui.conftest import plain, settle
from tests.tui.fakes import FakeGrader, failed_verdict
from tests.tui.test_exercise import open_exercise


def tiered_verdict() -> Verdict:
    v = failed_verdict()
    v.diagnosis = Diagnosis(
        "subtracts", "Your add subtracts b. Use a + b.", what="Your add subtracts b.",
        fix="Use a + b.", evidence='on the "default" check your output equals a - b',
        source="probe")
    return v


class TieredGrader(FakeGrader):
    async def grade(self, exercise_id, code, *, variant_seed=None):
        self.calls.append((exercise_id, code, variant_seed))
        return tiered_verdict()


async def test_fix_is_shown_on_the_hint_key(make_app, study_db):
    app = make_app(TieredGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        shown = plain(screen.query_one("#diagnosis"))
        assert "Your add subtracts b." in shown and "equals a - b" in shown
        assert "Use a + b." not in shown and "h: how to fix it" in shown
        await pilot.press("escape", "h")
        await settle(pilot)
        shown = plain(screen.query_one("#diagnosis"))
        assert "How to fix it: Use a + b." in shown


async def test_fix_is_shown_on_a_second_failure_of_the_same_kind(make_app, study_db):
    app = make_app(TieredGrader())
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_exercise(app, pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "Use a + b." not in plain(screen.query_one("#diagnosis"))
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "How to fix it: Use a + b." in plain(screen.query_one("#diagnosis"))
