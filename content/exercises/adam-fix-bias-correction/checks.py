"""Checks for adam-fix-bias-correction: the fixed step against torch.optim.Adam.

The starter's bug (corrected averages stored as the state) is invisible on a single step
from zero state, so every check is a run of several steps with the submission's outputs
fed back in."""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="adam_step",
    args=("param", "grad", "m", "v", "t"),
    returns=("new_param", "new_m", "new_v"),
    carry={"param": "new_param", "m": "new_m", "v": "new_v"},
    reference_name="torch.optim.Adam",
)


def reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    new_param, state = optimizer_step(
        torch.optim.Adam, param, grad, {"step": t - 1, "exp_avg": m, "exp_avg_sq": v},
        lr=lr, betas=(beta1, beta2), eps=eps,
    )
    return new_param, state["exp_avg"], state["exp_avg_sq"]


def run(v, name, regime, shape, dtype, steps, *, grad_scale=1.0, t0=1, warm_state=False,
        note="", layout=None, tol_scale=1.0, atol=None, **hparams):
    if warm_state:
        m0 = v.randn(*shape, dtype=dtype, scale=0.3 * grad_scale)
        v0 = v.rand(*shape, dtype=dtype, lo=0.2, hi=1.5) * grad_scale**2
    else:
        m0 = torch.zeros(shape, dtype=dtype)
        v0 = torch.zeros(shape, dtype=dtype)
    return Check(
        name, regime, {"param": v.randn(*shape, dtype=dtype), "m": m0, "v": v0, **hparams},
        steps=steps,
        per_step={"grad": v.randn(steps, *shape, dtype=dtype, scale=grad_scale),
                  "t": list(range(t0, t0 + steps))},
        layout=layout or {}, tol_scale=tol_scale, atol=atol, note=note,
    )


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shape = v.pick((4, 5), (3, 7), (6, 2), (2, 9))
    steps = 200
    return [
        run(v, "defaults-f64", "default hyperparameters, 6 steps from zero state", shape,
            f64, 6, note="the state you return is the next step's input"),
        run(v, "defaults-f32", "default hyperparameters, float32", shape, f32, 6),
        run(v, "hyperparameters", "lr, beta1, beta2 non-default", shape, f64, 6,
            lr=v.log_uniform(3e-3, 3e-2, 1e-2), beta1=v.uniform(0.6, 0.85, 0.8),
            beta2=v.uniform(0.9, 0.995, 0.99)),
        run(v, "mid-training", "starting at t = 100 from non-zero m and v", shape, f64, 5,
            t0=v.integer(20, 500, 100), warm_state=True,
            note="late in training the correction is close to 1"),
        run(v, "tiny-grads", "tiny gradients (~1e-6)", shape, f64, 4, grad_scale=1e-6,
            atol=1e-18),
        run(v, "long-run", f"{steps} steps, float32, your outputs fed back in",
            v.pick((6, 4), (5, 5), (24,)), f32, steps, tol_scale=20.0,
            note="errors compound over many steps"),
        run(v, "scalar", "0-d tensors", (), f64, 3),
        run(v, "one-element", "a single element", (1,), f32, 3),
        run(v, "non-contiguous", "transposed param and m, strided grad and v", (5, 3), f64, 3,
            layout={"param": "transposed", "m": "transposed", "grad": "strided",
                    "v": "strided"}),
        run(v, "3d", "3-D tensors (2, 3, 4)", (2, 3, 4), f32, 3),
    ]
