"""Checks for maxpool2d: y against torch.nn.functional.max_pool2d (no padding, no dilation,
floor mode), for the default stride, overlapping windows, rectangular kernels, negative
inputs and NaN."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="maxpool2d",
    args=("x", "kernel_size"),
    returns="y",
    reference_name="torch.nn.functional.max_pool2d",
)


def reference(x, kernel_size, stride=None):
    return F.max_pool2d(x, kernel_size, stride)


def _check(v, name, regime, n, c, hw, k, dtype=torch.float32, shift=0.0, note="", layout=None,
           nan=False, **kw):
    x = v.randn(n, c, *hw, dtype=dtype, shift=shift)
    if nan:
        x[0, 0, 1, 1] = float("nan")
        x[-1, -1, -1, 0] = float("nan")
    return Check(name, regime, {"x": x, "kernel_size": k, **kw}, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c = v.integer(1, 3, 2), v.integer(1, 4, 3)
    side = v.pick(8, 6, 10)
    f64 = torch.float64
    return [
        _check(v, "defaults-f32", f"x ({n}, {c}, {side}, {side}), kernel 2, stride left out", n, c,
               (side, side), 2, note="stride defaults to kernel_size: non-overlapping windows."),
        _check(v, "overlap-f64", "kernel 3, stride 1 (overlapping windows)", n, c, (side, side - 1),
               3, f64, stride=1),
        _check(v, "rect-f64", "kernel (3, 2), stride 2 on a 7x7 input", n, c, (7, 7), (3, 2), f64,
               stride=2, note="A tuple kernel_size is (height, width); windows that do not fit are dropped."),
        _check(v, "negative-f32", "all inputs negative", n, c, (side, side), 2, shift=-5.0,
               note="The max of a window of negative numbers is negative: start a running max at -inf."),
        _check(v, "nan-f64", "a few NaN inputs", n, c, (side, side), 2, f64, nan=True,
               note="F.max_pool2d propagates NaN: a window that holds a NaN gives NaN."),
        _check(v, "non-contiguous", "transposed (non-contiguous) x, kernel 2, stride (1, 2)", n, c,
               (side, side), 2, f64, stride=(1, 2), layout={"x": "transposed"}),
    ]
