"""Checks for adamw-step: the learner's step against torch.optim.AdamW itself.

Every check is a multi-step run: the submission's own (new_param, new_m, new_v) are fed
back as (param, m, v), with t = 1, 2, ..., so errors in the decay, the moments or the bias
correction compound as they would in training.
"""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="adamw_step",
    args=("param", "grad", "m", "v", "t"),
    returns=("new_param", "new_m", "new_v"),
    carry={"param": "new_param", "m": "new_m", "v": "new_v"},
    reference_name="torch.optim.AdamW",
)


def reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
              weight_decay=1e-2):
    new_param, state = optimizer_step(
        torch.optim.AdamW, param, grad, {"step": t - 1, "exp_avg": m, "exp_avg_sq": v},
        lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
    )
    return new_param, state["exp_avg"].detach(), state["exp_avg_sq"].detach()


def _run(v, name, regime, shape, dtype, steps, *, grad_scale=1.0, param_scale=1.0,
         note="", tol_scale=1.0, layout=None, **hparams):
    inputs = {
        "param": v.randn(*shape, dtype=dtype, scale=param_scale),
        "m": torch.zeros(shape, dtype=dtype),
        "v": torch.zeros(shape, dtype=dtype),
        **hparams,
    }
    return Check(
        name=name, regime=regime, inputs=inputs, steps=steps,
        per_step={"grad": v.randn(steps, *shape, dtype=dtype, scale=grad_scale),
                  "t": list(range(1, steps + 1))},
        layout=layout or {}, tol_scale=tol_scale, note=note,
    )


def checks(v: Variant) -> list[Check]:
    shape = v.pick((4, 5), (3, 7), (2, 3, 4), (10,))
    f32, f64 = torch.float32, torch.float64
    return [
        _run(v, "defaults-f64", "torch's AdamW defaults (weight_decay=0.01 left out)",
             shape, f64, 10, param_scale=3.0,
             note="Leaves every hyperparameter out: AdamW's default weight_decay is 0.01, "
                  "not 0."),
        _run(v, "defaults-f32", "defaults, float32", shape, f32, 10,
             note="The same in float32."),
        _run(v, "strong-decay-f64", "lr=0.1, weight_decay=0.5, betas=(0.8, 0.99)",
             v.pick((5, 3), (7,), (2, 2, 3)), f64, 20,
             lr=v.log_uniform(0.02, 0.2, 0.1), weight_decay=v.uniform(0.1, 0.9, 0.5),
             beta1=v.uniform(0.7, 0.9, 0.8), beta2=v.uniform(0.95, 0.995, 0.99),
             note="A large lr * weight_decay separates decoupled decay from L2 in the "
                  "gradient, and (1 - lr * wd) from (1 - wd)."),
        _run(v, "tiny-grads-f64", "tiny gradients (~1e-6)", shape, f64, 15,
             grad_scale=1e-6, lr=1e-2, weight_decay=0.1,
             note="With gradients near eps, where eps sits in the denominator matters, and "
                  "the decay dominates the update."),
        _run(v, "large-eps-f64", "large eps (1e-3)", shape, f64, 15, grad_scale=1e-3,
             lr=1e-2, eps=1e-3, weight_decay=0.05,
             note="eps is added to sqrt(v_hat), outside the square root."),
        _run(v, "long-run-f64", "250 steps, lr=1e-2, weight_decay=0.1",
             v.pick((3, 4), (6,), (2, 2, 2)), f64, 250, lr=v.log_uniform(3e-3, 3e-2, 1e-2),
             weight_decay=v.uniform(0.02, 0.2, 0.1),
             note="Bias correction fades over hundreds of steps while the decay keeps "
                  "shrinking the weights; errors compound."),
        _run(v, "long-run-f32", "250 steps, defaults, float32", shape, f32, 250,
             tol_scale=20.0,
             note="Float32 rounding accumulates over 250 steps; the tolerance allows for it."),
        _run(v, "scalar-0d", "a 0-d parameter", (), f64, 6, lr=0.05, weight_decay=0.3,
             note="0-d tensors: no indexing or reshaping that assumes a dimension."),
        _run(v, "noncontig-3d", "non-contiguous 3-D tensors", (2, 3, 4), f32, 8, lr=0.01,
             weight_decay=0.2, layout={"param": "transposed", "grad": "strided"},
             note="Transposed and strided inputs must give the same result as contiguous "
                  "ones."),
    ]
