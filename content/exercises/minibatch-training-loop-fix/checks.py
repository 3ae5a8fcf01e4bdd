"""Checks for minibatch-training-loop-fix: the final parameters after the whole run,
against an independent reference loop (nn.functional layers, F.mse_loss, torch.optim.SGD)
on the same data, batches and initial weights.
"""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="train",
    args=("w1", "b1", "w2", "b2", "x", "y"),
    returns=("w1_trained", "b1_trained", "w2_trained", "b2_trained"),
    reference_name="a reference mini-batch SGD loop",
)


def reference(w1, b1, w2, b2, x, y, lr=0.1, batch_size=16, epochs=2):
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    optimizer = torch.optim.SGD(params, lr=lr)
    for _ in range(epochs):
        for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True):
            optimizer.zero_grad(set_to_none=True)
            hidden = torch.tanh(F.linear(xb, params[0], params[1]))
            F.mse_loss(F.linear(hidden, params[2], params[3]), yb).backward()
            optimizer.step()
    return tuple(p.detach() for p in params)


def _check(v, name, regime, n, d, h, o, dtype, note="", tol_scale=1.0, **kw):
    x = v.randn(n, d, dtype=dtype)
    y = torch.sin(x.sum(dim=1, keepdim=True)).repeat(1, o) + v.randn(n, o, dtype=dtype, scale=0.1)
    inputs = {
        "w1": v.randn(h, d, dtype=dtype, scale=d**-0.5),
        "b1": v.randn(h, dtype=dtype, scale=0.1),
        "w2": v.randn(o, h, dtype=dtype, scale=h**-0.5),
        "b2": v.randn(o, dtype=dtype, scale=0.1),
        "x": x,
        "y": y,
        **kw,
    }
    return Check(name=name, regime=regime, inputs=inputs, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n = v.integer(48, 96, 64)
    return [
        _check(v, "defaults-f32", "lr=0.1, batch_size=16, epochs=2 (left out)",
               n, v.integer(3, 6, 5), 8, 2, f32, tol_scale=4.0,
               note="Uses your defaults: 2 epochs of batches of 16, one SGD step per batch."),
        _check(v, "partial-batch-f64", "N=50, batch_size=16: the last batch holds 2 examples",
               50, 3, v.integer(4, 8, 7), 1, f64, lr=v.uniform(0.05, 0.2, 0.2), batch_size=16,
               epochs=3,
               note="The last, smaller batch is one more step on the mean loss of its own "
                    "examples."),
        _check(v, "full-batch-f32", "batch_size = N: full-batch gradient descent",
               40, 4, 6, 3, f32, lr=0.3, batch_size=40, epochs=5, tol_scale=4.0,
               note="One step per epoch on the whole data set's mean loss."),
        _check(v, "small-batches-f64", "batch_size=7, 4 epochs, single output",
               30, 3, 4, 1, f64, lr=v.uniform(0.05, 0.3, 0.15), batch_size=v.integer(5, 9, 7),
               epochs=4,
               note="Many small batches: each step must use only its own batch's gradient."),
        _check(v, "long-run-f64", "20 epochs of batches of 8 (160 steps)",
               64, v.integer(4, 8, 6), 10, 2, f64, lr=0.05, batch_size=8, epochs=20,
               note="Hundreds of steps: stale or accumulated gradients compound."),
    ]
