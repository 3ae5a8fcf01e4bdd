"""Checks for cross-entropy-full: the mean loss against torch.nn.functional.cross_entropy
with each option alone and all of them together."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="cross_entropy",
    args=("logits", "targets"),
    returns="loss",
    reference_name="torch.nn.functional.cross_entropy",
)


def reference(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    return F.cross_entropy(logits, targets, weight=weight, ignore_index=ignore_index,
                           label_smoothing=label_smoothing)


def _check(v, name, regime, n, c, dtype, *, scale=2.0, ignored=0, ignore_index=None,
           weighted=False, layout=None, note="", **kw):
    targets = v.randint(0, c, n)
    if ignored:
        # a few rows padded with the ignore index, never all of them
        rows = torch.randperm(n, generator=v.gen)[:ignored]
        targets[rows] = -100 if ignore_index is None else ignore_index
    inputs = {"logits": v.randn(n, c, dtype=dtype, scale=scale), "targets": targets, **kw}
    if ignore_index is not None:
        inputs["ignore_index"] = ignore_index
    if weighted:
        inputs["weight"] = v.rand(c, dtype=dtype, lo=0.2, hi=3.0)
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n, c = v.pick((12, 5), (10, 4), (16, 6), (9, 7))
    eps = v.uniform(0.05, 0.3, 0.1)
    return [
        _check(v, "plain-f32", f"({n}, {c}) logits, every option at its default", n, c, f32,
               note="with no options this is the mean of -log softmax(z)_y"),
        _check(v, "large-logits", "float32 logits of size ~100", n, c, f32, scale=100.0,
               note="exp overflows in float32 past about 88: use a stable log-softmax"),
        _check(v, "weight", "class weights", n, c, f64, weighted=True,
               note="the weighted mean divides by the sum of the target weights"),
        _check(v, "ignore-default", "3 rows with target -100 (the default ignore_index)",
               n, c, f64, ignored=3,
               note="ignored rows count neither in the sum nor in the denominator"),
        _check(v, "ignore-class-weighted", "ignore_index = 1 (a real class id) and weights",
               n, c, f64, ignored=4, ignore_index=1, weighted=True,
               note="ignore_index may be any integer, even a valid class"),
        _check(v, "label-smoothing", f"label_smoothing = {eps:.3g}", n, c, f64,
               label_smoothing=eps,
               note="the smoothed target puts eps / C on every class, the true one included"),
        _check(v, "everything", "weights, ignored rows and label smoothing together", n, c, f64,
               ignored=2, weighted=True, label_smoothing=eps,
               note="the smoothing term is weighted per class and normalized like the NLL"),
        _check(v, "non-contiguous", "transposed (non-contiguous) float32 logits", c + 3, c, f32,
               layout={"logits": "transposed"}, label_smoothing=0.2),
    ]
