"""Checks for batchnorm-backward: grad_x, grad_gamma and grad_beta of training-mode
F.batch_norm (batch statistics), against torch.autograd.grad."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="batchnorm_backward",
    args=("grad_out", "x", "gamma"),
    returns=("grad_x", "grad_gamma", "grad_beta"),
    reference_name="torch.autograd.grad through F.batch_norm(training=True)",
)


def reference(grad_out, x, gamma, eps=1e-5):
    x = x.detach().clone().requires_grad_(True)
    g = gamma.detach().clone().requires_grad_(True)
    beta = torch.zeros_like(g, requires_grad=True)
    y = F.batch_norm(x, None, None, weight=g, bias=beta, training=True, eps=eps)
    return torch.autograd.grad(y, (x, g, beta), grad_out)


def _check(v, name, regime, shape, dtype=torch.float32, scale=1.0, note="", layout=None, **kw):
    c = shape[1]
    inputs = {
        "grad_out": v.randn(*shape, dtype=dtype),
        "x": v.randn(*shape, dtype=dtype, scale=scale, shift=0.5),
        "gamma": v.randn(c, dtype=dtype, scale=0.5, shift=1.0),
        **kw,
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c = v.pick((16, 4), (12, 5), (20, 3))
    n3, c3, l3 = v.pick((6, 3, 5), (4, 4, 7), (5, 2, 6))
    f64 = torch.float64
    return [
        _check(v, "batch-2d-f32", f"x ({n}, {c}), float32", (n, c),
               note="x reaches y directly, through the batch mean and through the batch variance."),
        _check(v, "batch-2d-f64", f"x ({n}, {c}), float64", (n, c), f64),
        _check(v, "three-d-f64", f"x ({n3}, {c3}, {l3}) of shape (N, C, L)", (n3, c3, l3), f64,
               note="One mean and variance per channel, over N and L."),
        _check(v, "small-batch-f64", "a batch of 3", (3, c), f64,
               note="Biased and unbiased variance differ most for small batches."),
        _check(v, "large-eps-f64", "eps = 0.1, small spread", (n, c), f64, scale=0.2,
               eps=v.uniform(0.05, 0.3, 0.1), note="eps enters inside the square root."),
        _check(v, "non-contiguous", "strided x and grad_out", (n3, c3, l3), f64,
               layout={"x": "strided", "grad_out": "strided"}),
    ]
