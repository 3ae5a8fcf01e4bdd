"""Checks for adam-step: the learner's step against torch.optim.Adam itself.

Every check is a run of several steps: the submission's own (new_param, new_m, new_v) are
fed back as (param, m, v) with t = t0, t0 + 1, ..., so a wrong bias correction, eps
placement or state update shows at the first step where it matters and compounds after.
"""

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
    """A run of ``steps`` Adam steps from (param, m, v) with fresh gradients each step."""
    if warm_state:  # mid-training: m ~ gradients, v ~ squared gradients
        m0 = v.randn(*shape, dtype=dtype, scale=0.3 * grad_scale)
        v0 = v.rand(*shape, dtype=dtype, lo=0.2, hi=1.5) * grad_scale**2
    else:
        m0 = torch.zeros(shape, dtype=dtype)
        v0 = torch.zeros(shape, dtype=dtype)
    return Check(
        name, regime,
        {"param": v.randn(*shape, dtype=dtype), "m": m0, "v": v0, **hparams},
        steps=steps,
        per_step={"grad": v.randn(steps, *shape, dtype=dtype, scale=grad_scale),
                  "t": list(range(t0, t0 + steps))},
        layout=layout or {}, tol_scale=tol_scale, atol=atol, note=note,
    )


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shape = v.pick((4, 5), (3, 7), (6, 2), (2, 9))
    long_steps = 200
    return [
        run(v, "defaults-f32", "default hyperparameters, float32", shape, f32, 4,
            note="every hyperparameter left at its default"),
        run(v, "defaults-f64", "default hyperparameters, float64", shape, f64, 4),
        run(v, "tiny-grads", "tiny gradients (~1e-6)", shape, f64, 4, grad_scale=1e-6,
            atol=1e-18, note="with gradients near sqrt(eps), where eps goes matters"),
        run(v, "large-eps", "large eps (1e-3), gradients ~1e-3", shape, f64, 4,
            grad_scale=1e-3, eps=1e-3, atol=1e-15,
            note="eps is added to sqrt(v_hat), outside the square root"),
        run(v, "hyperparameters", "lr, beta1, beta2 all non-default", shape, f64, 5,
            lr=v.log_uniform(3e-3, 3e-2, 1e-2), beta1=v.uniform(0.6, 0.85, 0.8),
            beta2=v.uniform(0.9, 0.995, 0.99),
            note="uses lr, beta1 and beta2 as passed"),
        run(v, "mid-training", "starting at t = 50 from non-zero m and v", shape, f64, 4,
            t0=v.integer(20, 500, 50), warm_state=True,
            note="t counts steps since the start, so the correction is small here"),
        run(v, "long-run", f"{long_steps} steps, float32, your outputs fed back in",
            v.pick((6, 4), (5, 5), (24,)), f32, long_steps, tol_scale=20.0,
            note="errors compound over many steps"),
        run(v, "scalar", "0-d tensors", (), f64, 3),
        run(v, "one-element", "a single element", (1,), f32, 3),
        run(v, "non-contiguous", "transposed param and m, strided grad and v", (5, 3), f64, 3,
            layout={"param": "transposed", "m": "transposed", "grad": "strided",
                    "v": "strided"}),
        run(v, "3d", "3-D tensors (2, 3, 4)", (2, 3, 4), f32, 3),
    ]
