"""Checks for dropout: F.dropout's semantics, by properties rather than by sample (any
correct random stream passes).  In training every element of y must be exactly 0 or
x / (1 - p) and the fraction dropped must be p within six binomial standard errors; in eval
(or with p = 0) y must equal x; with p = 1 y is all zeros; and the same generator seed must
give the same mask."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Generator, Spec, Variant
from studyapp.grading.kit_masks import BernoulliMask

SPEC = Spec(
    entry="dropout",
    args=("x", "p", "training"),
    returns="y",
    reference_name="torch.nn.functional.dropout",
)


def reference(x, p, training, generator=None):
    return F.dropout(x, p, training)


def _same_mask(got, inputs):
    y = got["y"].nan_to_num()
    if y.shape[0] == 2 and not torch.equal(y[0], y[1]):
        return ("two calls with generators seeded alike dropped different elements: draw the "
                "mask with the given generator (torch.rand(..., generator=generator))")
    return None


def _check(v, name, regime, shape, p, training=True, dtype=torch.float32, note="",
           layout=None, generator=True):
    x = v.randn(*shape, dtype=dtype)
    inputs = {"x": x, "p": p, "training": training}
    if generator:
        inputs["generator"] = Generator(v.seed_int())
    return Check(name, regime, inputs, layout=layout or {}, note=note,
                 compare=BernoulliMask(x, p, dropped=training))


def checks(v: Variant) -> list[Check]:
    p = v.uniform(0.1, 0.4, 0.2)
    side = v.pick(64, 48, 80)
    seed = v.seed_int()
    x_seed = v.randn(32, 32)
    f64 = torch.float64
    return [
        _check(v, "train-f32", f"training, p = {p:.2f}, x ({side}, {side})", (side, side), p,
               note="Each element is dropped with probability p; survivors become x / (1 - p)."),
        _check(v, "train-3d-f64", "training, p = 0.7, x (8, 16, 32), float64", (8, 16, 32),
               v.uniform(0.6, 0.85, 0.7), dtype=f64,
               note="p is the probability of dropping, not of keeping."),
        _check(v, "eval", "eval mode (training=False), p = 0.5", (side, side), 0.5,
               training=False, note="In eval, dropout is the identity: nothing dropped, nothing scaled."),
        _check(v, "p-zero", "training, p = 0", (16, 16), 0.0, generator=False),
        _check(v, "p-one-f64", "training, p = 1", (16, 16), 1.0, dtype=f64,
               note="With p = 1 everything is dropped: all zeros, not 0 / 0."),
        _check(v, "non-contiguous", "training, transposed x, no generator", (side, side), p,
               layout={"x": "transposed"}, generator=False),
        Check("same-seed", "two calls with generators seeded alike",
              {"x": x_seed, "p": 0.3, "training": True}, steps=2,
              per_step={"generator": [Generator(seed), Generator(seed)]},
              compare=BernoulliMask(x_seed, 0.3), verify=_same_mask,
              note="Draw the mask with the given generator, so a seed reproduces it."),
    ]
