"""The worker's side of the result stream: whatever bytes a child writes, assembling a
verdict never raises, and only a complete, correct stream passes."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.grading import child, protocol, runner
from studyapp.grading.assemble import assemble
from studyapp.grading.contract import CheckRan
from studyapp.grading.exercises import load_exercise
from studyapp.grading.worker import Prepared


@pytest.fixture(scope="module")
def prep():
    return Prepared(load_exercise("sgd-step"), None)


def stream_for(prep, fn) -> bytes:
    """What a child running ``fn`` would write (same code path, in process)."""
    out = [protocol.encode({"event": "sandboxed"}), protocol.encode({"event": "loaded"})]
    for pc in prep.plan["checks"]:
        rec = runner.run(fn, runner.Materialized(pc, prep.blob, "cpu"))
        slots, same, blob = child.encode_records(rec)
        out.append(protocol.encode_event(CheckRan(pc["name"], slots, same), blob))
    out.append(protocol.encode({"event": "done"}))
    return b"".join(out)


RES = {"exit_code": None, "signal": None, "killed_by": None, "finished": True,
       "stdout": "", "stdout_size": 0, "stderr": "", "stderr_size": 0, "max_file_size": 0,
       "stream_truncated": False, "oom_kills": 0, "fsize_limit": 1 << 20}


def verdict(prep, stream: bytes):
    return assemble(prep, dict(RES), stream, code="", filename="x.py", device="cpu",
                    t0=time.monotonic())


def test_a_correct_stream_passes_and_a_wrong_one_fails(prep):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    assert verdict(prep, good).status == "passed"
    bad = stream_for(prep, lambda p, g, lr: p + lr * g)
    v = verdict(prep, bad)
    assert v.status == "failed" and v.diagnosis.id == "gradient-ascent"


def test_a_stream_missing_checks_does_not_pass(prep):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    frames, _ = protocol.split_frames(good)
    partial = b"".join(protocol.encode(o, b) for o, b in frames[:4] + frames[-1:])
    assert verdict(prep, partial).status == "invalid"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_streams_never_crash_the_worker(prep, data):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    raw = bytearray(good)
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    v = verdict(prep, bytes(raw[:cut]))
    assert v.status in ("passed", "failed", "invalid", "error")


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats()
                    | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=6), kids, max_size=4), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_lying_frame_contents_never_crash_the_worker(prep, data):
    good = stream_for(prep, lambda p, g, lr: p - lr * g)
    frames, _ = protocol.split_frames(good)
    i = data.draw(st.integers(0, len(frames) - 1))
    obj, blob = frames[i]
    obj = dict(obj)
    key = data.draw(st.sampled_from(sorted(obj) + ["slots", "same", "exc", "step", "kind"]))
    obj[key] = data.draw(JSON)
    if "slots" in obj and isinstance(obj["slots"], dict) and obj["slots"]:
        slot = data.draw(st.sampled_from(sorted(obj["slots"])))
        if isinstance(obj["slots"][slot], dict):
            obj["slots"][slot] = dict(obj["slots"][slot],
                                      **{data.draw(st.sampled_from(["dtype", "shape", "off", "n",
                                                                    "varies"])): data.draw(JSON)})
    frames[i] = (obj, blob)
    stream = b"".join(protocol.encode(o, b) for o, b in frames)
    v = verdict(prep, stream)
    assert v.status in ("passed", "failed", "invalid", "error")
