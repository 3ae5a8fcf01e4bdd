"""Checks for layer-norm: y against torch.nn.functional.layer_norm, over one and two
normalized dimensions, with and without the affine parameters."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="layer_norm",
    args=("x", "normalized_shape", "weight", "bias"),
    returns="y",
    reference_name="torch.nn.functional.layer_norm",
)


def reference(x, normalized_shape, weight, bias, eps=1e-5):
    return F.layer_norm(x, normalized_shape, weight, bias, eps)


def _check(v, name, regime, shape, n_norm, dtype=torch.float32, affine=True, scale=1.0,
           shift=0.0, note="", layout=None, atol=None, **kw):
    norm = tuple(shape[-n_norm:])
    inputs = {
        "x": v.randn(*shape, dtype=dtype, scale=scale, shift=shift),
        "normalized_shape": norm,
        "weight": v.randn(*norm, dtype=dtype, scale=0.5, shift=1.0) if affine else None,
        "bias": v.randn(*norm, dtype=dtype, scale=0.5) if affine else None,
        **kw,
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note, atol=atol,
                 rtol=None if atol is None else 1e-3)


def checks(v: Variant) -> list[Check]:
    n, d = v.pick((4, 8), (6, 5), (3, 12))
    b, t = v.integer(2, 4, 2), v.integer(2, 5, 3)
    f64 = torch.float64
    return [
        _check(v, "rows-f32", f"x ({n}, {d}), normalized_shape ({d},), float32", (n, d), 1,
               note="Each row is normalized with its own mean and biased variance."),
        _check(v, "sequence-f64", f"x ({b}, {t}, {d}), normalized_shape ({d},), float64",
               (b, t, d), 1, f64, note="Every position of every sequence is normalized alone."),
        _check(v, "two-dims-f64", "x (2, 3, 4, 5), normalized_shape (4, 5)", (2, 3, 4, 5), 2, f64,
               note="normalized_shape names every trailing dimension to normalize over."),
        _check(v, "no-affine-f64", "weight = bias = None, a batch of one", (1, d), 1, f64,
               affine=False),
        _check(v, "eps-f64", "eps = 0.5, small spread", (n, d), 1, f64, scale=0.2,
               eps=v.uniform(0.2, 0.9, 0.5), note="eps goes inside the square root."),
        _check(v, "offset-f32", "float32 data far from zero (mean ~ 1000)", (n, 64), 1,
               shift=1000.0, atol=2e-3,
               note="Compute the variance from centered values, not as E[x^2] - E[x]^2."),
        _check(v, "non-contiguous", "transposed (non-contiguous) x", (d + 3, d), 1, f64,
               layout={"x": "transposed"}),
    ]
