"""Checks for clip-grad-norm: the gradients clipped in place (compared as one flat vector)
and the returned total norm, against torch.nn.utils.clip_grad_norm_ on parameters whose
.grad are the very same tensors."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="clip_grad_norm_",
    args=("grads", "max_norm"),
    returns="total_norm",
    updates=("grads",),
    reference_name="torch.nn.utils.clip_grad_norm_",
)


def reference(grads, max_norm, norm_type=2.0):
    params = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g  # torch clips p.grad in place: these are the caller's tensors
        params.append(p)
    return torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type, foreach=False)


def _grads(v, shapes, dtype, scale):
    return tuple(v.randn(*s, dtype=dtype, scale=scale) for s in shapes)


def _check(v, name, regime, shapes, dtype, max_norm, *, scale=1.0, layout=None, note="",
           **kw):
    return Check(name, regime,
                 {"grads": _grads(v, shapes, dtype, scale), "max_norm": max_norm, **kw},
                 layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shapes = v.pick([(4, 5), (5,), (2, 3, 2)], [(3, 3), (7,), (2, 2, 2), (1,)],
                    [(6, 2), (2,)])
    return [
        _check(v, "clipped-f32", f"grads of shapes {shapes}, total norm ~5, max_norm = 1",
               shapes, f32, 1.0, note="one factor for all the gradients, norm_type left out (2)"),
        _check(v, "not-clipped", "max_norm far above the total norm", shapes, f64, 100.0,
               note="below max_norm the gradients stay as they are"),
        _check(v, "l1-norm", "norm_type = 1.0, float64", shapes, f64,
               v.uniform(0.5, 3.0, 2.0), norm_type=1.0,
               note="the 1-norm is the sum of |g| over every entry"),
        _check(v, "inf-norm", "norm_type = inf", shapes, f64, 0.5, norm_type=float("inf"),
               note="the inf-norm is the largest |g| entry"),
        _check(v, "tiny-grads", "tiny gradients (norm ~1e-4), max_norm = 1e-5", shapes, f64,
               1e-5, scale=2e-5, note="the 1e-6 in the denominator matters at this scale"),
        _check(v, "one-grad", "a single gradient tensor", [(v.integer(3, 9, 6),)], f64, 0.7),
        _check(v, "non-contiguous", "strided (non-contiguous) gradients", shapes, f64, 1.5,
               layout={"grads": "strided"},
               note="clip the tensors you were given, whatever their layout"),
    ]
