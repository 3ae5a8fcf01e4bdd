"""A grader whose worker dies recovers without the learner noticing: `grade --watch` keeps
watching, the TUI's banner clears once grading works again, the CLI prints no traceback."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import signal
import threading
import time

from textual.app import App, ComposeResult

from studyapp.cli.context import CliContext
from studyapp.cli.grade import _watch
from studyapp.grading import GraderClient, GraderError, load_exercise
from studyapp.tui.widgets.grader_banner import GraderBanner, grader_state

from .conftest import SGD_OK, TEST_LIMITS

WRONG = "def sgd_step(param, grad, lr):\n    return param + lr * grad\n"


def watch(ctx, client, path, *, during) -> tuple[int, list[dict], str]:
    """Run ``_watch`` for one save; ``during(out)`` runs in a thread meanwhile."""
    args = argparse.Namespace(file=path, json=True, variant=None, device="cpu")
    threading.Thread(target=during, daemon=True).start()
    code = _watch(ctx, client, load_exercise("sgd-step"), args, path.read_text(),
                  poll_s=0.05, max_rounds=1)
    lines = [json.loads(line) for line in ctx.stdout.getvalue().splitlines() if line.strip()]
    return code, lines, ctx.stderr.getvalue()


def wait_for(pred, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_watch_survives_a_worker_that_dies(tmp_path, file_db_url, clock):
    path = tmp_path / "watch.py"
    path.write_text(WRONG)
    out, err = io.StringIO(), io.StringIO()
    ctx = CliContext(db_url=file_db_url, clock=clock, stdout=out, stderr=err)
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    client.wait_ready_sync(180)

    def kill_then_save():
        wait_for(lambda: out.getvalue().strip())  # the first grading is done
        os.kill(client.info["pid"], signal.SIGKILL)
        path.write_text(SGD_OK)  # graded while the worker is being replaced

    try:
        code, lines, errors = watch(ctx, client, path, during=kill_then_save)
    finally:
        ctx.close()
        client.close()
    assert [d["status"] for d in lines] == ["failed", "passed"]
    assert code == 0 and client.restarts == 1
    assert "Traceback" not in errors and "failed" not in errors


class FailsOnce:
    """A client whose first grading fails as a dead grader would (after its own retry)."""

    def __init__(self, real):
        self.real, self.calls = real, 0

    def grade_sync(self, *a, **k):
        self.calls += 1
        if self.calls == 1:
            raise GraderError("the grading worker exited (code -9)")
        return self.real.grade_sync(*a, **k)


def test_watch_reports_a_grader_failure_and_keeps_watching(grader, tmp_path, file_db_url,
                                                           clock):
    path = tmp_path / "watch.py"
    path.write_text(WRONG)
    out, err = io.StringIO(), io.StringIO()
    ctx = CliContext(db_url=file_db_url, clock=clock, stdout=out, stderr=err)

    def save():
        wait_for(lambda: out.getvalue().strip())
        path.write_text(SGD_OK)

    try:
        code, lines, errors = watch(ctx, FailsOnce(grader), path, during=save)
    finally:
        ctx.close()
    assert [d["status"] for d in lines] == ["error", "passed"]
    assert lines[0]["message"].startswith("the grader failed")
    assert code == 0 and "Traceback" not in errors


class BannerApp(App):
    def __init__(self, grader):
        super().__init__()
        self.grader = grader

    def compose(self) -> ComposeResult:
        yield GraderBanner(lambda: self.grader, id="banner")


def test_the_banner_clears_once_a_dead_grader_works_again():
    client = GraderClient(device="cpu", limits=TEST_LIMITS)

    async def scenario():
        app = BannerApp(client)
        async with app.run_test(size=(80, 24)) as pilot:
            banner = app.query_one(GraderBanner)
            await client.wait_ready()
            await pilot.pause(0.5)
            assert not banner.display
            # Too many deaths in a row: the worker stays dead and the banner says so.
            client._restarts.extend([time.monotonic()] * client._restarts.maxlen)
            os.kill(client.info["pid"], signal.SIGKILL)
            await asyncio.to_thread(wait_for, lambda: grader_state(client) == "failed", 30)
            await pilot.pause(0.5)
            assert banner.display and "stopped" in str(banner.render())
            # The learner runs the checks again: a new worker grades, the banner clears.
            verdict = await client.grade("sgd-step", SGD_OK)
            assert verdict.status == "passed"
            await pilot.pause(0.5)
            assert grader_state(client) == "ready" and not banner.display
            # A single death (none before it): replaced at once ("restarting"), then clear.
            client._restarts.clear()
            os.kill(client.info["pid"], signal.SIGKILL)
            await asyncio.to_thread(wait_for, lambda: client.restarts >= 1, 30)
            await pilot.pause(0.4)
            if grader_state(client) == "warming":
                assert banner.display and "restarting" in str(banner.render())
            await client.wait_ready()
            await pilot.pause(0.5)
            assert not banner.display

    try:
        asyncio.run(scenario())
    finally:
        client.close()
