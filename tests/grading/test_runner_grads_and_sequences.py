"""The runner's gradient slots (Spec.grads) and in-place updates of a sequence of tensors
(Spec.updates naming a tuple argument), without a worker."""

from __future__ import annotations

import pytest
import torch

from studyapp.grading import runner, wire
from studyapp.grading.kit import Check, Spec


def _materialize(spec: Spec, check: Check) -> runner.Materialized:
    blob = wire.BlobWriter()
    plan = check.to_plan(spec, blob)
    return runner.Materialized(plan, blob.getvalue(), "cpu")


GRAD_SPEC = Spec(entry="f", args=("q", "target"), returns="loss", grads=("q", "target"))


def test_grad_slots_hold_the_gradient_of_the_returned_value():
    q, target = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([0.0, 1.0, 1.0])
    m = _materialize(GRAD_SPEC, Check("c", "r", {"q": q, "target": target}))
    assert m.slots() == ["loss", "grad_q", "grad_target"]

    out = runner.run(lambda q, target: ((q - target) ** 2).sum(), m)["slots"]
    assert torch.equal(out["grad_q"][0], 2 * (q - target))
    assert torch.equal(out["grad_target"][0], -2 * (q - target))
    assert not q.requires_grad  # the check's own tensors are untouched


def test_a_detached_input_gets_a_zero_gradient():
    m = _materialize(GRAD_SPEC, Check("c", "r", {"q": torch.ones(3), "target": torch.zeros(3)}))
    out = runner.run(lambda q, target: ((q - target.detach()) ** 2).sum(), m)["slots"]
    assert torch.equal(out["grad_target"][0], torch.zeros(3))
    assert torch.equal(out["grad_q"][0], torch.full((3,), 2.0))
    # no graph at all (computed under no_grad): every gradient is zero, nothing raises
    with torch.no_grad():
        out = runner.run(lambda q, target: ((q - target) ** 2).sum(), m)["slots"]
    assert torch.equal(out["grad_q"][0], torch.zeros(3))


def test_an_error_in_backward_is_the_submissions_error():
    class Boom(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            raise ValueError("bad backward")

    m = _materialize(GRAD_SPEC, Check("c", "r", {"q": torch.ones(3), "target": torch.zeros(3)}))
    with pytest.raises(runner.CallError, match="bad backward"):
        runner.run(lambda q, target: Boom.apply(q), m)


def test_a_sequence_updated_in_place_is_recorded_flat():
    spec = Spec(entry="f", args=("grads", "c"), returns="n", updates=("grads",))
    grads = (torch.ones(2, 3), torch.full((4,), 2.0))
    m = _materialize(spec, Check("c", "r", {"grads": grads, "c": 0.5}, steps=2))

    def scale_(grads, c):
        for g in grads:
            g.mul_(c)
        return torch.tensor(float(len(grads)))

    out = runner.stack(runner.run(scale_, m))["slots"]
    assert out["grads"].shape == (2, 10)
    assert torch.equal(out["grads"][0], torch.tensor([0.5] * 6 + [1.0] * 4))
    assert torch.equal(out["grads"][1], torch.tensor([0.25] * 6 + [0.5] * 4))


def test_a_sequence_of_non_tensors_is_invalid():
    spec = Spec(entry="f", args=("grads",), returns=None, updates=("grads",))
    m = _materialize(spec, Check("c", "r", {"grads": (torch.ones(2),)}))

    def replace(grads):
        grads_list = list(grads)
        grads_list[0] = 3.0
        return None

    runner.run(replace, m)  # the caller's tuple still holds tensors: fine
    m.inputs["grads"] = (torch.ones(2), "x")
    with pytest.raises(runner.InvalidOutput) as info:
        runner.run(lambda grads: None, m)
    assert info.value.kind == "not_tensor"


def test_an_optional_grads_argument_left_as_none_records_an_empty_gradient():
    spec = Spec(entry="f", args=("x",), returns="y", grads=("x", "baseline"))
    m = _materialize(spec, Check("c", "r", {"x": torch.ones(2), "baseline": None}))
    out = runner.run(lambda x, baseline=None: (x * 3).sum(), m)["slots"]
    assert torch.equal(out["grad_x"][0], torch.full((2,), 3.0))
    assert out["grad_baseline"][0].numel() == 0


def test_a_layout_applies_to_every_tensor_of_a_sequence():
    spec = Spec(entry="f", args=("grads",), returns=None, updates=("grads",))
    grads = (torch.ones(2, 3), torch.arange(4.0))
    m = _materialize(spec, Check("c", "r", {"grads": grads}, layout={"grads": "strided"}))
    assert all(not g.is_contiguous() for g in m.inputs["grads"])
    assert all(torch.equal(a, b) for a, b in zip(m.inputs["grads"], grads, strict=True))
