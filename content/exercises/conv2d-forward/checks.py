"""Checks for conv2d-forward: y against torch.nn.functional.conv2d (groups=1, dilation=1)
over strides, paddings, kernel shapes, with and without bias."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="conv2d",
    args=("x", "w"),
    returns="y",
    reference_name="torch.nn.functional.conv2d",
)


def reference(x, w, b=None, stride=1, padding=0):
    return F.conv2d(x, w, b, stride=stride, padding=padding)


def _check(v, name, regime, n, c, hw, o, k, dtype=torch.float32, bias=True, note="",
           layout=None, **kw):
    kh, kw_ = (k, k) if isinstance(k, int) else k
    inputs = {
        "x": v.randn(n, c, *hw, dtype=dtype),
        "w": v.randn(o, c, kh, kw_, dtype=dtype, scale=(c * kh * kw_) ** -0.5),
        **kw,
    }
    if bias:
        inputs["b"] = v.randn(o, dtype=dtype, scale=0.5)
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c, o = v.integer(1, 3, 2), v.integer(2, 4, 3), v.integer(2, 5, 4)
    side = v.integer(6, 9, 7)
    f64 = torch.float64
    return [
        _check(v, "defaults-f32", f"x ({n}, {c}, {side}, {side}), 3x3 kernel, no bias, stride 1, "
               "padding 0 (left out)", n, c, (side, side), o, 3, bias=False,
               note="Output size H - kH + 1; torch's conv2d is a cross-correlation (no kernel flip)."),
        _check(v, "bias-stride-pad-f64", "bias, stride 2, padding 1", n, c, (side, side + 1), o, 3,
               f64, stride=2, padding=1,
               note="H_out = floor((H + 2 * padding - kH) / stride) + 1; the padding is zeros."),
        _check(v, "tuple-args-f64", "rectangular 3x2 kernel, stride (2, 1), padding (1, 2)",
               n, c, (side, side - 1), o, (3, 2), f64, stride=(2, 1), padding=(1, 2),
               note="A tuple gives (height, width)."),
        _check(v, "square-channels-f64", f"{c} input and {c} output channels, padding 2", n, c,
               (side, side), c, 3, f64, padding=2,
               note="The weight is (out_channels, in_channels, kH, kW); padding=2 puts 2 zeros on every side."),
        _check(v, "one-by-one", "1x1 kernel with bias", n, c, (5, 4), o, 1,
               note="A 1x1 convolution mixes channels at each pixel."),
        _check(v, "non-contiguous", "transposed x and w (non-contiguous)", n, c, (side, side), o, 3,
               f64, padding=1, layout={"x": "transposed", "w": "transposed"}),
    ]
