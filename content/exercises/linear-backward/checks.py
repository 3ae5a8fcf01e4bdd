"""Checks for linear-backward: the three gradients against torch.autograd.grad through
torch.nn.functional.linear, for 1-D, 2-D and higher-dimensional inputs."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="linear_backward",
    args=("x", "w", "b", "grad_out"),
    returns=("grad_x", "grad_w", "grad_b"),
    reference_name="torch.autograd.grad through F.linear",
)


def reference(x, w, b, grad_out):
    x, w, b = (t.detach().clone().requires_grad_(True) for t in (x, w, b))
    return torch.autograd.grad(F.linear(x, w, b), (x, w, b), grad_out)


def _check(v, name, regime, lead, n_in, n_out, dtype=torch.float32, note="", layout=None):
    inputs = {
        "x": v.randn(*lead, n_in, dtype=dtype),
        "w": v.randn(n_out, n_in, dtype=dtype, scale=n_in**-0.5),
        "b": v.randn(n_out, dtype=dtype, scale=0.1),
        "grad_out": v.randn(*lead, n_out, dtype=dtype),
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n = v.integer(4, 12, 8)
    n_in, n_out = v.pick((5, 3), (7, 4), (3, 6))
    sq = v.integer(3, 6, 4)
    f64 = torch.float64
    return [
        _check(v, "batch-f32", f"x ({n}, {n_in}), w ({n_out}, {n_in}), float32", (n,), n_in, n_out,
               note="grad_x = grad_out @ W, grad_W = grad_out^T @ x, grad_b = grad_out summed over rows."),
        _check(v, "square-f64", f"in = out = {sq}, float64", (n,), sq, sq, f64,
               note="With a square weight a transposed W or grad_W still has the right shape."),
        _check(v, "leading-dims-f64", f"x (2, 3, {n_in}): batch and time dimensions", (2, 3),
               n_in, n_out, f64,
               note="Every leading dimension is more rows: grad_W and grad_b sum over all of them."),
        _check(v, "four-d-f32", f"x (2, 2, 3, {n_in})", (2, 2, 3), n_in, n_out),
        _check(v, "single-vector-f64", f"x ({n_in},): no batch dimension", (), n_in, n_out, f64,
               note="One example: grad_W is the outer product of grad_out and x."),
        _check(v, "non-contiguous", "transposed weight, strided x and grad_out", (n,), n_in,
               n_out, f64, layout={"w": "transposed", "x": "strided", "grad_out": "strided"},
               note="Use reshape, not view, on non-contiguous tensors."),
    ]
