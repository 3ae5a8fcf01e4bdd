"""Checks for grad-accumulation-fix: the final parameters after one pass, against
torch.optim.SGD stepping on each whole effective batch (micro_batch * accum_steps rows)
at once, with F.linear and F.mse_loss."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="train_accumulated",
    args=("w", "b", "x", "y", "lr", "micro_batch", "accum_steps"),
    returns=("w_trained", "b_trained"),
    reference_name="torch.optim.SGD on the full effective batch",
)


def reference(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    size = micro_batch * accum_steps
    for xb, yb in zip(x.split(size), y.split(size), strict=True):
        opt.zero_grad(set_to_none=True)
        F.mse_loss(F.linear(xb, w, b), yb).backward()
        opt.step()
    return w.detach(), b.detach()


def _check(v, name, regime, micro, accum, n_steps, d, o, dtype, lr, *, note="",
           tol_scale=1.0):
    n = micro * accum * n_steps
    x = v.randn(n, d, dtype=dtype)
    w_true = v.randn(o, d, dtype=dtype)
    y = x @ w_true.T + v.randn(n, o, dtype=dtype, scale=0.3)
    inputs = {"w": v.randn(o, d, dtype=dtype, scale=0.1), "b": torch.zeros(o, dtype=dtype),
              "x": x, "y": y, "lr": lr, "micro_batch": micro, "accum_steps": accum}
    return Check(name, regime, inputs, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    micro, accum = v.pick((4, 3), (2, 5), (3, 4), (5, 2))
    return [
        _check(v, "accumulate-f64", f"micro_batch={micro}, accum_steps={accum}, 4 steps",
               micro, accum, 4, 5, 2, f64, 0.1,
               note="one step per micro_batch * accum_steps rows, on their mean loss"),
        _check(v, "no-accumulation", "accum_steps = 1: plain mini-batch SGD", 6, 1, 5, 4, 2,
               f64, 0.1, note="with accum_steps = 1 every micro-batch is a step"),
        _check(v, "many-micro-f32", "micro_batch=2, accum_steps=8, float32", 2, 8, 4, 3, 1,
               f32, 0.05, tol_scale=4.0,
               note="eight micro-batches add up to one step"),
        _check(v, "per-example", "micro_batch = 1: per-example accumulation", 1,
               v.integer(6, 12, 10), 3, 4, 3, f64, 0.2,
               note="accumulating single examples gives the batch gradient"),
        _check(v, "long-f64", "12 steps of 4 x 5 rows", 5, 4, 12, 6, 2, f64, 0.05,
               note="stale or missing gradients compound over many steps"),
    ]
