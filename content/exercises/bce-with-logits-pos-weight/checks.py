"""Checks for bce-with-logits-pos-weight: the mean loss against
torch.nn.functional.binary_cross_entropy_with_logits, with and without pos_weight."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="bce_with_logits",
    args=("logits", "targets"),
    returns="loss",
    reference_name="torch.nn.functional.binary_cross_entropy_with_logits",
)


def reference(logits, targets, pos_weight=None):
    return F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pos_weight)


def _check(v, name, regime, shape, dtype, *, scale=2.0, soft=False, weighted=True,
           layout=None, note=""):
    if soft:
        targets = v.rand(*shape, dtype=dtype)
    else:
        targets = (v.rand(*shape) < 0.2).to(dtype)  # positives are rare
    inputs = {"logits": v.randn(*shape, dtype=dtype, scale=scale), "targets": targets}
    if weighted:
        inputs["pos_weight"] = v.rand(shape[-1] if len(shape) > 1 else 1, dtype=dtype,
                                      lo=0.5, hi=8.0)
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n, c = v.pick((16, 5), (12, 4), (20, 3), (10, 6))
    return [
        _check(v, "no-pos-weight", f"({n}, {c}), pos_weight left out", (n, c), f32,
               weighted=False, note="without pos_weight this is the plain mean BCE"),
        _check(v, "pos-weight-f32", f"({n}, {c}) 0/1 targets, pos_weight of shape ({c},)",
               (n, c), f32, note="pos_weight multiplies the positive term only"),
        _check(v, "soft-targets-f64", "soft targets in [0, 1], float64", (n, c), f64, soft=True,
               note="with soft targets both terms are present in every element"),
        _check(v, "large-logits", "float32 logits of size ~200", (n, c), f32, scale=200.0,
               note="log(sigmoid(z)) is -inf in float32 for large |z|: stay in log space"),
        _check(v, "3d", f"(4, 3, {c}) input, pos_weight along the last dimension", (4, 3, c),
               f64, note="the mean is over every element of every dimension"),
        _check(v, "1d", f"({n},) input with pos_weight of shape (1,)", (n,), f64),
        _check(v, "non-contiguous", "transposed logits and targets", (c + 2, c), f64,
               layout={"logits": "transposed", "targets": "transposed"}),
    ]
