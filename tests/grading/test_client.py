"""The client API the TUI uses: start in the background, never block the event loop,
queue requests while warming, survive (and replace) a dead worker."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import pytest

from studyapp.grading import GraderClient, GraderError, UnknownExercise

from .conftest import SGD_OK, TEST_LIMITS

SLOW_OK = ("import time\n"
           "slept = []\n"
           "def sgd_step(param, grad, lr):\n"
           "    if not slept:\n"
           "        time.sleep(0.5)\n"
           "        slept.append(1)\n"
           "    return param - lr * grad\n")


def test_grade_never_blocks_the_event_loop(grader):
    async def scenario():
        ticks = 0
        stop = False

        async def ticker():
            nonlocal ticks
            while not stop:
                await asyncio.sleep(0.01)
                ticks += 1

        t = asyncio.ensure_future(ticker())
        t0 = time.monotonic()
        verdict = await grader.grade("sgd-step", SLOW_OK)
        elapsed = time.monotonic() - t0
        stop = True
        await t
        return verdict, ticks, elapsed

    verdict, ticks, elapsed = asyncio.run(scenario())
    assert verdict.status == "passed"
    assert elapsed > 0.3 and ticks >= elapsed / 0.01 * 0.25


def test_several_requests_in_flight(grader):
    async def scenario():
        return await asyncio.gather(*(grader.grade("sgd-step", SGD_OK) for _ in range(4)),
                                    grader.grade("sgd-step", "x = 1\n"))

    *ok, bad = asyncio.run(scenario())
    assert [v.status for v in ok] == ["passed"] * 4 and bad.status == "invalid"


def test_unknown_exercise_fails_fast(grader):
    with pytest.raises(UnknownExercise):
        grader.grade_sync("no-such-exercise", SGD_OK)


def test_start_returns_at_once_then_warms_and_recovers_from_a_dead_worker():
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    try:
        t0 = time.monotonic()
        client.start()
        assert time.monotonic() - t0 < 0.5
        assert client.warming
        # a request made while warming is queued and answered once warm
        verdict = asyncio.run(client.grade("sgd-step", SGD_OK))
        assert verdict.status == "passed" and not client.warming
        assert client.start_seconds is not None
        # kill the worker: it is replaced at once, and the next request is answered
        old_pid = client.info["pid"]
        os.kill(old_pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while client.restarts == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.restarts == 1
        verdict = client.grade_sync("sgd-step", SGD_OK)
        assert verdict.status == "passed" and client.info["pid"] != old_pid
    finally:
        client.close()
    assert not client.alive


def test_closing_a_warming_worker_kills_it_at_once():
    """A worker still importing torch reads no QUIT until it is done: closing (quitting the
    app while the grader warms) must not wait for it."""
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    client.start()
    process = client._proc
    assert process is not None and client.warming
    waited_for: list[float | None] = []
    wait = process.wait

    def recording_wait(timeout: float | None = None) -> int:
        waited_for.append(timeout)
        return wait(timeout)

    process.wait = recording_wait  # type: ignore[method-assign]
    client.close()
    assert waited_for and all(t is None for t in waited_for)  # reaping the killed process, never a QUIT
    assert process.returncode == -signal.SIGKILL
    assert not client.alive


def test_closing_a_ready_worker_asks_it_to_quit():
    """A ready worker is asked to quit (it stops its sandboxes itself) and exits on its own."""
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    client.wait_ready_sync()
    process = client._proc
    assert process is not None
    client.close()
    assert process.returncode == 0


def test_a_worker_that_cannot_start_is_reported():
    client = GraderClient(device="cpu", python="/bin/false")
    client.start()
    with pytest.raises(GraderError, match="exited"):
        client.wait_ready_sync(30)
    assert client.error
    client.close()


def test_a_worker_that_dies_mid_request_is_restarted_and_the_request_retried():
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    try:
        client.wait_ready_sync(180)
        old_pid = client.info["pid"]
        # the worker dies while a slow submission is being graded
        rid, fut = client._request(client._grade_msg("sgd-step", SLOW_OK, None, None))
        time.sleep(0.2)
        os.kill(old_pid, signal.SIGKILL)
        verdict = client._unpack(fut.result(timeout=180))
        assert verdict.status == "passed"  # answered by the new worker, nothing surfaced
        assert client.restarts == 1 and client.info["pid"] != old_pid
        assert client.error is None
    finally:
        client.close()


def test_a_request_is_retried_only_once():
    client = GraderClient(device="cpu", limits=TEST_LIMITS)
    try:
        client.wait_ready_sync(180)
        first = client.info["pid"]
        _rid, fut = client._request(client._grade_msg("sgd-step", SLOW_OK, None, None))
        time.sleep(0.2)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 120
        while not (client.ready.is_set() and client.info.get("pid") not in (None, first)):
            assert time.monotonic() < deadline, "the worker was not replaced"
            time.sleep(0.01)
        time.sleep(0.1)  # the retried request is now in the new worker (it sleeps 0.5 s)
        os.kill(client.info["pid"], signal.SIGKILL)
        with pytest.raises(GraderError, match="exited"):
            client._unpack(fut.result(timeout=180))
        assert client.grade_sync("sgd-step", SGD_OK).status == "passed"
    finally:
        client.close()
