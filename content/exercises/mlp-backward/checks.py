"""Checks for mlp-backward: the loss and the four gradients of a one-hidden-layer tanh MLP
under F.mse_loss, against torch.autograd.grad."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="mlp_backward",
    args=("x", "y", "w1", "b1", "w2", "b2"),
    returns=("loss", "grad_w1", "grad_b1", "grad_w2", "grad_b2"),
    reference_name="F.mse_loss and torch.autograd.grad",
)


def reference(x, y, w1, b1, w2, b2):
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    pred = F.linear(torch.tanh(F.linear(x, params[0], params[1])), params[2], params[3])
    loss = F.mse_loss(pred, y)
    return (loss.detach(), *torch.autograd.grad(loss, params))


def _check(v, name, regime, n, d, h, o, dtype=torch.float32, scale=1.0, note="", layout=None):
    inputs = {
        "x": v.randn(n, d, dtype=dtype),
        "y": v.randn(n, o, dtype=dtype),
        "w1": v.randn(h, d, dtype=dtype, scale=scale * d**-0.5),
        "b1": v.randn(h, dtype=dtype, scale=0.1 * scale),
        "w2": v.randn(o, h, dtype=dtype, scale=h**-0.5),
        "b2": v.randn(o, dtype=dtype, scale=0.1),
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, d, h, o = v.integer(6, 12, 8), v.integer(3, 6, 4), v.integer(4, 8, 6), v.integer(2, 4, 3)
    f64 = torch.float64
    return [
        _check(v, "batch-f32", f"x ({n}, {d}), {h} hidden, {o} outputs, float32", n, d, h, o,
               note="The mean of F.mse_loss runs over all N * O elements."),
        _check(v, "batch-f64", "float64", n, d, h, o, f64),
        _check(v, "single-output-f64", "one output (O = 1)", n, d, h, 1, f64),
        _check(v, "saturated-f64", "large pre-activations: tanh saturates", n, d, h, o, f64,
               scale=4.0, note="tanh'(a) = 1 - tanh(a)^2 is near 0 where |a| is large."),
        _check(v, "one-example", "a batch of one", 1, d, h, o, f64),
        _check(v, "non-contiguous", "transposed w1 and w2, strided x", n, d, h, o, f64,
               layout={"w1": "transposed", "w2": "transposed", "x": "strided"}),
    ]
