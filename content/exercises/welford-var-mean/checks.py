"""Checks for welford-var-mean: var and mean against torch.var_mean of the concatenated
batches (correction=1), computed in float64 and rounded to the batches' dtype."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="running_var_mean",
    args=("batches",),
    returns=("var", "mean"),
    reference_name="torch.var_mean(torch.cat(batches), 0, correction=1)",
)


def reference(batches):
    var, mean = torch.var_mean(torch.cat([b.double() for b in batches]), dim=0, correction=1)
    return var.to(batches[0].dtype), mean.to(batches[0].dtype)


def _check(v, name, regime, sizes, d, dtype, *, shift=0.0, drift=1.0, note="", rtol=None,
           atol=None):
    # each batch has its own offset, so the spread between batches matters
    batches = tuple(
        (v.randn(k, *d, dtype=torch.float64) + v.randn(*d, dtype=torch.float64, scale=drift)
         + shift).to(dtype)
        for k in sizes)
    return Check(name, regime, {"batches": batches}, note=note, rtol=rtol, atol=atol)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    d = (v.integer(2, 6, 3),)
    sizes = [v.integer(1, 40) for _ in range(6)] if not v.canonical else [7, 13, 1, 30, 9, 4]
    return [
        _check(v, "batches-f64", f"6 batches of sizes {sizes}, D={d[0]}, float64", sizes, d,
               f64, note="batches of different sizes with different means"),
        _check(v, "around-1e4-f32", "float32 data around 1e4 with spread ~1, 8 batches",
               [16, 9, 30, 1, 12, 20, 5, 7], d, f32, shift=1e4, rtol=5e-3, atol=1e-2,
               note="sums of x^2 lose every significant digit here; deviations do not"),
        _check(v, "one-batch", "a single batch", [v.integer(5, 30, 20)], d, f64,
               note="with one batch this is the plain unbiased variance"),
        _check(v, "single-rows", "12 batches of one row each (Welford)", [1] * 12, d, f64,
               note="a batch of one row has a mean and M2 = 0, but no variance of its own"),
        _check(v, "1d", "1-D batches: scalar var and mean", [5, 11, 3], (), f64),
        _check(v, "many-f32", "40 batches of 16 rows, float32", [16] * 40, d, f32,
               drift=3.0, rtol=1e-5, atol=1e-5),
    ]
