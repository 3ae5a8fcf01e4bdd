"""Checks for batchnorm-forward: y and the final running buffers against
torch.nn.functional.batch_norm.

Every training check is a run over several fresh batches with the running buffers carried
in place from call to call, so a wrong update rule compounds; the long run trains on 200
batches and then evaluates with the buffers it built."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="batchnorm_forward",
    args=("x", "gamma", "beta", "running_mean", "running_var", "training"),
    returns="y",
    updates=("running_mean", "running_var"),
    reference_name="torch.nn.functional.batch_norm",
)


def reference(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight=gamma, bias=beta,
                        training=training, momentum=momentum, eps=eps)


def run(v, name, regime, x_shape, dtype, steps, *, training=True, shift=0.0, scale=1.0,
        warm_buffers=False, note="", layout=None, tol_scale=1.0, atol=None, train_then_eval=0,
        **hparams):
    c = x_shape[1]
    if warm_buffers:
        rm = v.randn(c, dtype=dtype, scale=0.5, shift=shift)
        rv = v.rand(c, dtype=dtype, lo=0.5, hi=2.0) * scale**2
    else:
        rm = torch.zeros(c, dtype=dtype)
        rv = torch.ones(c, dtype=dtype)
    flags = [training] * steps
    if train_then_eval:
        flags = [True] * (steps - train_then_eval) + [False] * train_then_eval
    per_step = {"x": v.randn(steps, *x_shape, dtype=dtype, scale=scale, shift=shift)
                + v.randn(1, 1, c, *([1] * (len(x_shape) - 2)), dtype=dtype, scale=scale)}
    if len(set(flags)) > 1:
        per_step["training"] = flags
    inputs = {"gamma": v.randn(c, dtype=dtype, scale=0.5, shift=1.0),
              "beta": v.randn(c, dtype=dtype, scale=0.5), "running_mean": rm,
              "running_var": rv, **hparams}
    if len(set(flags)) == 1:
        inputs["training"] = flags[0]
    return Check(name, regime, inputs, steps=steps, per_step=per_step, layout=layout or {},
                 tol_scale=tol_scale, atol=atol, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n, c = v.pick((16, 5), (12, 7), (20, 3))
    n3, c3, l3 = v.pick((8, 4, 6), (6, 3, 10), (4, 6, 5))
    return [
        run(v, "train-2d-f32", f"training, x ({n}, {c}), float32", (n, c), f32, 3),
        run(v, "train-2d-f64", f"training, x ({n}, {c}), float64", (n, c), f64, 3),
        run(v, "train-3d", f"training, x ({n3}, {c3}, {l3}) of shape (N, C, L)",
            (n3, c3, l3), f64, 3, note="statistics per channel over N and L"),
        run(v, "eval", "eval mode with running statistics", (n, c), f64, 2, training=False,
            warm_buffers=True, note="eval uses the running buffers and leaves them alone"),
        run(v, "eval-3d", "eval mode, 3-D input", (n3, c3, l3), f32, 2, training=False,
            warm_buffers=True),
        run(v, "small-batch", "a batch of 2", (2, c), f64, 3,
            note="biased vs unbiased variance differ most for small batches"),
        run(v, "momentum-eps", "momentum = 0.3, eps = 0.5, small variance", (n, c), f64, 3,
            momentum=v.uniform(0.2, 0.6, 0.3), eps=v.uniform(0.1, 0.9, 0.5), scale=0.3,
            note="eps goes inside the square root; momentum weighs the new batch"),
        run(v, "offset-f32", "float32 data far from zero (mean ~ 1000)", (n, c), f32, 3,
            shift=1000.0, tol_scale=20.0, atol=1e-2,
            note="compute the variance from centered values, not as E[x^2] - E[x]^2"),
        run(v, "long-run", "200 training batches, then 3 eval batches", (n, c), f32, 203,
            train_then_eval=3, tol_scale=10.0,
            note="the running buffers accumulate over 200 batches"),
        run(v, "non-contiguous", "transposed (non-contiguous) x", (c + 4, c), f64, 2,
            layout={"x": "transposed"}),
        run(v, "one-channel", "a single channel, x (N, 1, L)", (4, 1, 7), f64, 2),
    ]
