"""Deep links (issue 13): `studyapp practice EXERCISE` opens the app on the exercise with
its draft; `studyapp exercise EXERCISE --starter/--draft FILE` writes code for another
editor. On the shipped content, so adam-step is the real one."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime

import pytest

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.clock import FixedClock
from tests.tui.conftest import settle
from tests.tui.fakes import FakeGrader

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'study.db'}"


def run_cli(args, db_url):
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", db_url, *args], CliContext(clock=FixedClock(NOW), stdout=out, stderr=err))
    return code, out.getvalue(), err.getvalue()


def prose(markdown: str) -> str:
    return re.sub(r"`[^`\n]+`", "", re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M))


def test_practice_opens_the_exercise_with_its_draft(db_url, monkeypatch):
    import studyapp.tui.launch as launch
    from studyapp.tui.app import StudyApp
    from studyapp.tui.screens.exercise import ExerciseScreen

    seen = {}

    async def drive(app):
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            seen["screen"] = type(screen)
            seen["editor"] = screen.editor.text
            seen["prompt"] = screen.query_one("#prompt").source

    def fake_launch(ctx, *, exercise_card_id=None):
        from studyapp.study.drafts import save_draft

        with ctx.unit_of_work() as session:
            save_draft(session, "adam-step", "def adam_step():  # my draft\n", NOW)
        app = StudyApp(ctx.synced_database, ctx.clock, FakeGrader(), day_start_hour=4, cursor_blink=False,
                       start_exercise=exercise_card_id)
        asyncio.run(drive(app))
        return 0

    monkeypatch.setattr(launch, "launch_tui", fake_launch)
    code, out, err = run_cli(["practice", "adam-step"], db_url)
    assert code == 0, err
    assert seen["screen"] is ExerciseScreen
    assert "# my draft" in seen["editor"]
    prompt = seen["prompt"]
    assert "β₁" in prompt and "m̂ₜ" in prompt  # a first meeting: the formulas show, readable
    assert re.findall(r"\\[A-Za-z]+|\$", prose(prompt)) == []


def test_practice_an_unknown_exercise_is_a_user_error(db_url):
    code, out, err = run_cli(["practice", "no-such-thing"], db_url)
    assert code == 2
    assert "no exercise 'no-such-thing'" in err and "adam-step" in err and "Traceback" not in err


def test_exercise_writes_the_starter_or_the_draft(db_url, tmp_path):
    from studyapp.storage.db import open_database
    from studyapp.study.drafts import save_draft

    starter = tmp_path / "adam.py"
    code, out, err = run_cli(["exercise", "adam-step", "--starter", str(starter)], db_url)
    assert code == 0, err
    assert "def adam_step" in starter.read_text() and "grade adam-step" in out

    code, out, err = run_cli(["exercise", "adam-step", "--starter", str(starter)], db_url)
    assert code == 2 and "already exists" in err  # never overwritten silently

    drafted = tmp_path / "draft.py"
    code, out, err = run_cli(["exercise", "adam-step", "--draft", str(drafted)], db_url)
    assert code == 0 and "no draft" in err and "def adam_step" in drafted.read_text()

    database = open_database(db_url)
    with database.unit_of_work() as session:
        save_draft(session, "adam-step", "# half done\n", NOW)
    database.dispose()
    code, out, err = run_cli(["exercise", "adam-step", "--draft", str(drafted), "--force"], db_url)
    assert code == 0, err
    assert drafted.read_text() == "# half done\n" and "draft of 2026-03-02 09:30" in out
