"""Unit tests that need no worker: the static ban check, comparisons, frame parsing,
the seccomp program, exercise metadata, and import hygiene."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.grading import exercises, protocol, sandbox, static
from studyapp.grading.compare import Close, SameDistribution, default_tolerances

OPTIM = ["torch.optim"]
BN = ["torch.nn.functional.batch_norm", "torch.batch_norm"]


@pytest.mark.parametrize("code", [
    "import torch\nx = torch.optim.Adam\n",
    "from torch import optim\n",
    "from torch.optim import Adam as A\n",
    "import torch.optim as o\n",
    "import torch\nt = torch\nt.optim\n",
    "import torch\no = torch.optim\nA = o.Adam\n",
    "import torch\ngetattr(torch, 'optim')\n",
    "import torch\ngetattr(torch, 'torch.optim')\n",
    "import gc\n",
    "import ctypes\n",
    "__import__('ctypes')\n",
])
def test_static_check_flags_banned_uses(code):
    assert static.check_source(code, OPTIM)


@pytest.mark.parametrize("code", [
    "import torch\nx = torch.zeros(3)\n",
    "def optim_step(x):\n    return x\n",
    "import math\ny = math.sqrt(2)\n",
    "import torch.nn.functional as F\nF.relu\n",
])
def test_static_check_allows_ordinary_code(code):
    assert static.check_source(code, OPTIM) == []


def test_static_check_names_the_line_and_follows_aliases():
    code = "import torch.nn.functional as F\n\n\ndef f(x):\n    return F.batch_norm(x)\n"
    (finding,) = static.check_source(code, BN)
    assert finding.line == 5 and "torch.nn.functional.batch_norm" in finding.message


def test_static_check_raises_on_syntax_errors():
    with pytest.raises(SyntaxError):
        static.check_source("def f(:\n", OPTIM)


def test_close_uses_assert_close_defaults():
    assert default_tolerances(torch.float32) == (1.3e-6, 1e-5)
    assert default_tolerances(torch.float64) == (1e-7, 1e-7)
    e = torch.zeros(3, 4, 5, dtype=torch.float64)
    g = e.clone()
    assert Close()(e, g) is None
    g[2, 1, 3] = 1e-3
    g[1, 2, 0] = 5e-8  # within atol
    mm = Close()(e, g)
    assert mm.first_bad_step == 2 and mm.worst_index == (1, 3)
    assert mm.expected == 0.0 and mm.got == pytest.approx(1e-3)
    assert mm.max_abs_err == pytest.approx(1e-3)


def test_close_treats_nan_in_got_as_a_mismatch_and_equal_nans_as_equal():
    e = torch.tensor([[1.0, math.nan]])
    assert Close()(e, e.clone()) is None
    g = torch.tensor([[math.nan, math.nan]])
    mm = Close()(e, g)
    assert mm is not None and mm.worst_index == (0,) and math.isnan(mm.got)


def test_same_distribution_accepts_any_uniform_sampler_and_rejects_others():
    gen = torch.Generator().manual_seed(0)
    a = 0.1
    ref = (torch.rand(1, 20000, generator=gen) * 2 - 1) * a
    other = torch.empty(1, 20000).uniform_(-a, a, generator=gen)
    normal = torch.randn(1, 20000, generator=gen) * (a / math.sqrt(3))
    wide = torch.empty(1, 20000).uniform_(-1.3 * a, 1.3 * a, generator=gen)
    cmp = SameDistribution(bound=a)
    assert cmp(ref, other) is None
    assert cmp(ref, normal) is not None
    assert cmp(ref, wide) is not None
    assert cmp(ref, torch.full((1, 20000), math.nan)) is not None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_frame_parser_never_crashes_on_garbage(data):
    frames, problem = protocol.split_frames(data)
    assert isinstance(frames, list)
    assert problem is None or isinstance(problem, str)


def test_frames_round_trip():
    data = protocol.encode({"a": 1}, b"xyz") + protocol.encode({"event": "done"})
    frames, problem = protocol.split_frames(data)
    assert problem is None and frames == [({"a": 1}, b"xyz"), ({"event": "done"}, b"")]


def test_seccomp_program_is_well_formed():
    prog = sandbox.seccomp_program()
    if prog is None:
        pytest.skip("no syscall table for this architecture")
    assert len(prog) % 8 == 0 and 10 < len(prog) // 8 < 4096


def test_every_issue_exercise_is_complete():
    ids = ["sgd-step", "rmsprop-step", "adam-step", "adam-fix-bias-correction",
           "xavier-uniform", "batchnorm-forward"]
    for ex_id in ids:
        meta = exercises.load_exercise(ex_id)
        assert meta.deck in exercises.DECKS
        assert meta.kind in ("implement", "fix")
        assert len(meta.mutants) >= 3 and all(m.misconception for m in meta.mutants)
        assert len(meta.hints) >= 3 and meta.target_seconds > 0
        for name in ("prompt.md", "starter.py", "solution.py", "checks.py"):
            assert (meta.path / name).is_file()
        for m in meta.mutants:
            assert (meta.path / m.file).is_file()
    assert exercises.load_exercise("adam-fix-bias-correction").kind == "fix"


def test_unknown_exercise_is_a_usage_error():
    with pytest.raises(exercises.UnknownExercise, match="unknown exercise 'nope'"):
        exercises.load_exercise("nope")


def test_client_side_never_imports_torch_or_textual():
    code = ("import sys\nimport studyapp.grading, studyapp.grading.client\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'textual')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_outputs_on_another_device_are_a_device_mismatch():
    from studyapp.grading import runner, wire
    from studyapp.grading.assemble import invalid_message
    from studyapp.grading.contract import InvalidInfo
    from studyapp.grading.kit import Check, Spec

    spec = Spec(entry="f", args=("x",), returns="y")
    blob = wire.BlobWriter()
    plan = Check("c", "r", {"x": torch.zeros(3)}).to_plan(spec, blob)
    m = runner.Materialized(plan, blob.getvalue(), "meta")  # inputs on a non-CPU device
    assert m.inputs["x"].device.type == "meta"
    with pytest.raises(runner.InvalidOutput) as info:
        runner.run(lambda x: torch.zeros(3), m)
    assert info.value.kind == "device"

    class Prep:
        class meta:
            entry, signature = "f", "f(x) -> y"
        spec = Spec(entry="f", args=("x",), returns="y")

    info = InvalidInfo.from_json({"kind": "device", "slot": "y", "device": "cpu", "step": 0})
    msg = invalid_message(Prep, info)
    assert msg.startswith("device mismatch: y is on cpu")


def test_describe_variant_in_process():
    from studyapp.grading.kit import describe_variant

    d = describe_variant("rmsprop-step", 3)
    assert d["exercise"] == "rmsprop-step" and len(d["checks"]) >= 3
    assert d == describe_variant("rmsprop-step", 3)  # deterministic
