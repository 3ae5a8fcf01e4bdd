"""Checks for softmax-cross-entropy, against F.cross_entropy (mean reduction)."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="softmax_cross_entropy",
    args=("logits", "targets"),
    returns="loss",
    reference_name="torch.nn.functional.cross_entropy",
)


def reference(logits, targets):
    return F.cross_entropy(logits, targets)


def _check(v, name, regime, n, c, dtype=torch.float32, scale=2.0, row_offsets=None,
           note="", layout=None):
    logits = v.randn(n, c, dtype=dtype, scale=scale)
    if row_offsets is not None:
        logits = logits + torch.tensor(row_offsets, dtype=dtype).unsqueeze(1)
    return Check(name=name, regime=regime,
                 inputs={"logits": logits, "targets": v.randint(0, c, n)},
                 layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c = v.pick(8, 12, 5), v.integer(3, 10, 5)
    return [
        _check(v, "small-logits-f32", "(N, C) logits of moderate size", n, c,
               note="Mean over the batch of -log softmax(z)[y]."),
        _check(v, "small-logits-f64", "float64", n, c, torch.float64, scale=3.0,
               note="The same in float64."),
        _check(v, "huge-logits-f32", "logits in the hundreds and thousands", n, c,
               scale=v.uniform(200, 1500, 500),
               note="exp overflows to inf above about 88 in float32: shift by the row max."),
        _check(v, "one-row-huge", "a single example with logits near 1000", 1, c, scale=1000.0,
               note="One row, huge logits: shifting by the max is what keeps exp finite."),
        _check(v, "rows-far-apart", "rows whose logits lie +-1000 apart", 6, c,
               row_offsets=[-1000.0, 0.0, 1000.0, 500.0, -500.0, 10.0],
               note="exp overflows on the high rows and underflows on the low ones unless "
                    "each row is shifted by its own max (one max for the whole batch is not "
                    "enough)."),
        _check(v, "rows-far-apart-f64", "rows far apart, float64", 6, c, torch.float64,
               row_offsets=[-1000.0, 0.0, 1000.0, 500.0, -500.0, 10.0],
               note="float64 overflows too: exp(710) is inf."),
        _check(v, "many-classes", "1000 classes", 4, 1000, scale=5.0,
               note="The sum runs over the class dimension, dim 1."),
        _check(v, "one-example", "N = 1, C = 2", 1, 2, torch.float64,
               note="The smallest batch."),
        _check(v, "noncontiguous", "transposed (non-contiguous) logits", n, c,
               layout={"logits": "transposed"},
               note="Non-contiguous inputs must give the same result."),
    ]
