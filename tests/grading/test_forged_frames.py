"""Forged frames and forged exit codes: the trusted side validates every frame from the
child (an invalid one is status ``error`` with a plain sentence, never a grader failure),
and only the sandbox's own marker and the guards' own frame say "sandbox failure" or
"banned API", never an exit code the submission can choose."""

from __future__ import annotations

import io
import json
import math
import struct
import time

import pytest
from sqlalchemy import select

from studyapp.cli.context import CliContext
from studyapp.cli.main import main
from studyapp.grading import frames, protocol
from studyapp.grading.assemble import assemble
from studyapp.grading.exercises import load_exercise
from studyapp.grading.worker import Prepared
from studyapp.storage.db import open_database
from studyapp.storage.models import Submission

from .conftest import SGD_OK
from .test_untrusted_stream import RES, stream_for


@pytest.fixture(scope="module")
def prep():
    return Prepared(load_exercise("sgd-step"), None)


def verdict(prep, stream: bytes, **res):
    return assemble(prep, dict(RES, **res), stream, code="x = 1\n", filename="x.py",
                    device="cpu", t0=time.monotonic())


def good_frames(prep):
    frames_, problem = protocol.split_frames(stream_for(prep, lambda p, g, lr: p - lr * g))
    assert problem is None
    return frames_


def with_frame(prep, index: int, change) -> bytes:
    """The correct stream with frame ``index`` replaced by ``change(obj, blob)``."""
    out = good_frames(prep)
    obj, blob = out[index]
    out[index] = change(json.loads(json.dumps(obj)), blob)
    return b"".join(protocol.encode(o, b) for o, b in out)


def first_check(prep) -> int:
    return next(i for i, (o, _b) in enumerate(good_frames(prep)) if o.get("event") == "check")


def set_slot(key, value):
    def change(obj, blob):
        slot = next(iter(obj["slots"]))
        obj["slots"][slot][key] = value
        return obj, blob
    return change


def error_frame(**fields):
    def change(obj, blob):
        exc = {"type": "ValueError", "message": "boom", "frames": [[1, "f"]],
               "memory": False, "system_exit": False}
        exc.update(fields.pop("exc", {}))
        return dict({"event": "check", "name": obj["name"], "status": "error", "step": 0,
                     "exc": exc}, **fields), b""
    return change


FORGERIES = {
    "infinite traceback line": error_frame(exc={"frames": [[math.inf, "f"]]}),
    "NaN traceback line": error_frame(exc={"frames": [[math.nan, "f"]]}),
    "fractional traceback line": error_frame(exc={"frames": [[2.5, "f"]]}),
    "infinite step": error_frame(step=math.inf),
    "huge step": error_frame(step=10**30),
    "step as text": error_frame(step="3"),
    "step as a boolean": error_frame(step=True),
    "memory flag as a number": error_frame(exc={"memory": 1e400}),
    "shape holding infinity": set_slot("shape", [math.inf]),
    "negative offset": set_slot("off", -8),
    "byte count larger than the blob": set_slot("n", 1 << 40),
    "byte count that disagrees with the shape": set_slot("n", 4),
    "unknown dtype": set_slot("dtype", "complex128"),
    "varies with an infinite step": set_slot("varies", {"step": math.inf, "dtype": "float32",
                                                        "shape": [3]}),
    "same flags that are numbers": lambda o, b: (dict(o, same={"p": [1, 0]}), b),
    "slots that are a list": lambda o, b: (dict(o, slots=[1, 2]), b),
    "unknown check status": lambda o, b: (dict(o, status="passed"), b),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forged_check_frame_is_an_error_verdict(prep, name):
    v = verdict(prep, with_frame(prep, first_check(prep), FORGERIES[name]))
    assert v.status == "error", (name, v.to_json())
    assert "could not read the submission's outputs" in v.message
    assert "frame" in v.message and "Traceback" not in v.message


@pytest.mark.parametrize("forged", [
    {"event": "trace", "t": {"job": math.nan}},
    {"event": "trace", "t": {"job": 1e999}},
    {"event": "import_error", "exc": {"type": "E", "frames": [[-math.inf, "x"]]}},
    {"event": "invalid", "kind": "signature", "names": [math.inf]},
    {"event": "loaded", "pad": 10**40},
    {"event": "done", "deep": [[[[[[[[[[[]]]]]]]]]]]},
    {"event": "forbidden", "what": "x" * 100_000},
])
def test_forged_frames_of_every_kind_are_error_verdicts(prep, forged):
    out = good_frames(prep)
    out.insert(2, (forged, b""))
    v = verdict(prep, b"".join(protocol.encode(o, b) for o, b in out))
    assert v.status == "error", v.to_json()
    assert "could not read the submission's outputs" in v.message


@pytest.mark.parametrize("cut", ["header", "body", "oversized"])
def test_truncated_and_oversized_frames_are_error_verdicts(prep, cut):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    if cut == "header":
        stream = good + b"\x05\x00"
    elif cut == "body":
        stream = good[:-3]
    else:
        stream = good[:-len(protocol.encode({"event": "done"}))] + struct.pack(
            "<II", 1 << 30, 0) + b"{}"
    v = verdict(prep, stream)
    assert v.status == "error", v.to_json()


def test_the_validator_accepts_what_the_real_child_writes(prep):
    for i, (obj, blob) in enumerate(good_frames(prep)):
        frames.check_frame(obj, len(blob), i)
    assert verdict(prep, stream_for(prep, lambda p, g, lr: p - lr * g)).status == "passed"


def test_a_garbled_fork_server_reply_cannot_crash_the_assembler(prep):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    res = {"exit_code": math.inf, "signal": "9", "stdout_size": -1, "fsize_limit": None,
           "t_sent": math.nan, "stdout": 3, "killed_by": "mystery"}
    v = assemble(prep, res, good, code="", filename="x.py", device="cpu", t0=time.monotonic())
    assert v.status == "passed", v.to_json()


# -- forged exit codes, judged on a stream alone ----------------------------------------------


def test_no_marker_and_no_output_is_the_sandboxs_failure(prep):
    v = verdict(prep, b"", exit_code=70, finished=False, stderr="sandbox setup failed: EPERM")
    assert v.status == "error"
    assert v.message.startswith("the sandbox could not be set up: sandbox setup failed: EPERM")


def test_without_the_marker_frames_count_for_nothing(prep):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    unmarked = good[len(protocol.encode(frames.SANDBOXED)):]
    v = verdict(prep, unmarked)
    assert v.status == "error" and "does not start" in v.message


@pytest.mark.parametrize("code", [70, 71, 72, 86])
def test_an_exit_code_after_the_marker_is_the_submissions_own(prep, code):
    stream = protocol.encode(frames.SANDBOXED) + protocol.encode({"event": "loaded"})
    v = verdict(prep, stream, exit_code=code, finished=False)
    assert v.status == "error", v.to_json()
    assert f"exited (code {code})" in v.message
    assert "sandbox" not in v.message and "banned" not in v.message


def test_only_the_guards_frame_means_forbidden(prep):
    stream = protocol.encode(frames.SANDBOXED) + protocol.encode(
        {"event": "forbidden", "what": "torch.optim"})
    v = verdict(prep, stream, exit_code=86, finished=False)
    assert v.status == "forbidden" and "torch.optim" in v.message


# -- the same, through the real sandbox -------------------------------------------------------

FORGE = ("import os, json, struct\n"
         "def frame(o):\n"
         "    d = json.dumps(o).encode()\n"
         "    return struct.pack('<II', len(d), 0) + d\n")
FORGED_INFINITY = (FORGE + "os.write(3, frame({'event': 'check', 'name': 'basic', "
                   "'status': 'error', 'step': 0, 'exc': {'type': 'E', "
                   "'frames': [[float('inf'), 'f']]}}))\n" + SGD_OK)


def test_a_submission_forging_an_infinite_frame_gets_an_error_verdict(grader):
    v = grader.grade_sync("sgd-step", FORGED_INFINITY)
    assert v.status == "error", v.to_json()
    assert "could not read the submission's outputs" in v.message
    assert grader.grade_sync("sgd-step", SGD_OK).status == "passed"


@pytest.mark.parametrize("exit_call", ["os._exit(70)", "os._exit(71)", "os._exit(72)",
                                       "os._exit(86)", "sys.exit(86)", "sys.exit(70)"])
def test_a_submission_exiting_with_the_sandboxs_codes_is_reported_as_itself(grader, exit_call):
    code = ("import os, sys\n"
            "def sgd_step(param, grad, lr):\n"
            f"    {exit_call}\n")
    v = grader.grade_sync("sgd-step", code)
    assert v.status == "error", v.to_json()
    assert "sandbox could not be set up" not in v.message
    assert "banned" not in v.message
    text = v.message + "\n".join(t.message for t in v.tests)
    if exit_call.startswith("os."):
        assert f"exited (code {exit_call[9:11]})" in text
    else:
        assert "SystemExit" in text


def test_the_cli_stores_a_forged_frame_submission_without_a_traceback(tmp_path, file_db_url,
                                                                       clock):
    path = tmp_path / "forged.py"
    path.write_text(FORGED_INFINITY)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--db", file_db_url, "grade", "sgd-step", str(path), "--no-server"],
                CliContext(clock=clock, stdout=out, stderr=err))
    assert code == 1, err.getvalue()
    assert "ERROR" in out.getvalue() and "Traceback" not in out.getvalue() + err.getvalue()
    db = open_database(file_db_url)
    try:
        with db.unit_of_work() as session:
            rows = session.scalars(select(Submission)).all()
            assert [(r.exercise_id, r.status) for r in rows] == [("sgd-step", "error")]
    finally:
        db.dispose()


@pytest.fixture
def sgd_root(tmp_path):
    """The shipped sgd-step exercise beside the decks it belongs to."""
    import shutil

    from studyapp.paths import shipped_content_dir

    root = tmp_path / "content"
    shutil.copytree(shipped_content_dir() / "exercises" / "sgd-step",
                    root / "exercises" / "sgd-step")
    (root / "decks").mkdir(parents=True)
    for order, slug in enumerate(("minibatch", "optimizers")):
        (root / "decks" / f"{slug}.md").write_text(
            f"---\nid: {slug}\ntitle: {slug}\norder: {order}\n---\n\n"
            f"## {slug}-card\nkind: basic\n\nQ: {slug}?\n\nA: Yes.\n", encoding="utf-8")
    return root


async def test_the_tui_stores_a_forged_frame_submission(sgd_root, clock):
    from studyapp.content.loader import load_content
    from studyapp.content.sync import sync_content
    from studyapp.grading import GraderClient
    from studyapp.storage.models import Card
    from studyapp.tui.app import StudyApp
    from tests.tui.conftest import plain, settle

    db = open_database("sqlite://")
    with db.unit_of_work() as session:
        sync_content(session, load_content([sgd_root]), clock.now())
        card_id = session.scalar(select(Card.id).where(Card.content_id == "sgd-step"))
    grader = GraderClient(device="cpu", roots=[sgd_root])
    grader.start()
    try:
        app = StudyApp(db, clock, grader, day_start_hour=4, cursor_blink=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.open_exercise(card_id)
            await settle(pilot)
            screen = app.screen
            screen.query_one("#editor").text = FORGED_INFINITY
            await pilot.press("ctrl+r")
            await settle(pilot)
            status = plain(screen.query_one("#run-status"))
            assert "ERROR" in status and "grader failed" not in status, status
        with db.unit_of_work() as session:
            rows = session.scalars(select(Submission)).all()
            assert [(r.exercise_id, r.status, r.code) for r in rows] == [
                ("sgd-step", "error", FORGED_INFINITY)]
    finally:
        grader.close()
        db.dispose()
