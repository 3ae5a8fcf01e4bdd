"""Checks for multilabel-bce-loss, against F.binary_cross_entropy_with_logits (mean)."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="multilabel_bce_loss",
    args=("logits", "targets"),
    returns="loss",
    reference_name="torch.nn.functional.binary_cross_entropy_with_logits",
)


def reference(logits, targets):
    return F.binary_cross_entropy_with_logits(logits, targets)


def _check(v, name, regime, shape, dtype=torch.float32, scale=2.0, soft=False, p=0.3,
           note="", layout=None):
    logits = v.randn(*shape, dtype=dtype, scale=scale)
    u = v.rand(*shape, dtype=dtype)
    targets = u if soft else (u < p).to(dtype)
    return Check(name=name, regime=regime, inputs={"logits": logits, "targets": targets},
                 layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c = v.pick(16, 12, 32), v.integer(3, 10, 5)
    return [
        _check(v, "default-f32", "(N, C) logits, 0/1 targets", (n, c),
               note="Mean over every element of the per-class binary cross-entropy."),
        _check(v, "huge-logits-f32", "logits in the hundreds (sigmoid saturates)", (n, c),
               scale=v.uniform(60, 200, 120), p=0.5,
               note="sigmoid(z) rounds to exactly 0 or 1 here; log(sigmoid(z)) gives -inf. "
                    "Use max(z, 0) - z * y + log1p(exp(-|z|))."),
        _check(v, "saturated-f64", "float64 logits near +-800", (8, 4), torch.float64,
               scale=500.0, p=0.5,
               note="Even float64 saturates: the loss must be computed from the logit."),
        _check(v, "soft-labels-f64", "soft targets in [0, 1], float64", (n, c), torch.float64,
               soft=True, scale=3.0,
               note="Targets may be probabilities, not only 0/1."),
        _check(v, "many-classes-f32", "1 example, 40 classes", (1, v.integer(30, 60, 40)),
               p=0.1,
               note="Each class is its own yes/no problem: no competition between classes."),
        _check(v, "one-element", "a single example and class", (1, 1), torch.float64,
               note="The smallest case: N = C = 1."),
        _check(v, "3d-f64", "(N, C, K) logits", (4, 3, 6), torch.float64,
               note="Extra dimensions: the mean is over every element."),
        _check(v, "noncontiguous", "transposed (non-contiguous) logits", (n, c),
               layout={"logits": "transposed"},
               note="Non-contiguous inputs must give the same result."),
    ]
