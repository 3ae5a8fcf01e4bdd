"""Checks for rmsprop-step: the learner's step against torch.optim.RMSprop itself.

Each check is a short run with the submission's outputs fed back in, so a wrong running
average shows from the second step on and compounds."""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="rmsprop_step",
    args=("param", "grad", "square_avg"),
    returns=("new_param", "new_square_avg"),
    carry={"param": "new_param", "square_avg": "new_square_avg"},
    reference_name="torch.optim.RMSprop",
)


def reference(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    new_param, state = optimizer_step(
        torch.optim.RMSprop, param, grad, {"step": 0, "square_avg": square_avg},
        lr=lr, alpha=alpha, eps=eps,
    )
    return new_param, state["square_avg"]


def run(v, name, regime, shape, dtype, steps, *, grad_scale=1.0, warm_state=False, note="",
        layout=None, tol_scale=1.0, atol=None, **hparams):
    if warm_state:
        sq = v.rand(*shape, dtype=dtype, lo=0.2, hi=1.5) * grad_scale**2
    else:
        sq = torch.zeros(shape, dtype=dtype)
    return Check(
        name, regime, {"param": v.randn(*shape, dtype=dtype), "square_avg": sq, **hparams},
        steps=steps,
        per_step={"grad": v.randn(steps, *shape, dtype=dtype, scale=grad_scale)},
        layout=layout or {}, tol_scale=tol_scale, atol=atol, note=note,
    )


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shape = v.pick((4, 5), (3, 7), (6, 2), (2, 9))
    steps = 200
    return [
        run(v, "defaults-f32", "default hyperparameters, float32", shape, f32, 4,
            note="every hyperparameter left at its default (alpha=0.99)"),
        run(v, "defaults-f64", "default hyperparameters, float64", shape, f64, 4,
            note="every hyperparameter left at its default (alpha=0.99)"),
        run(v, "tiny-grads", "tiny gradients (~1e-6)", shape, f64, 4, grad_scale=1e-6,
            atol=1e-18, note="with gradients near sqrt(eps), where eps goes matters"),
        run(v, "large-eps", "large eps (1e-3), gradients ~1e-3", shape, f64, 4,
            grad_scale=1e-3, eps=1e-3, atol=1e-15,
            note="eps is added to sqrt(square_avg), outside the root"),
        run(v, "hyperparameters", "lr and alpha non-default", shape, f64, 5,
            lr=v.log_uniform(1e-3, 1e-1, 3e-2), alpha=v.uniform(0.5, 0.95, 0.8),
            note="uses lr and alpha as passed"),
        run(v, "mid-training", "starting from a non-zero square_avg", shape, f64, 4,
            warm_state=True),
        run(v, "long-run", f"{steps} steps, float32, your outputs fed back in",
            v.pick((6, 4), (5, 5), (24,)), f32, steps, tol_scale=20.0,
            note="errors compound over many steps"),
        run(v, "scalar", "0-d tensors", (), f64, 3),
        run(v, "one-element", "a single element", (1,), f32, 3),
        run(v, "non-contiguous", "transposed param, strided grad and square_avg", (5, 3), f64,
            3, layout={"param": "transposed", "grad": "strided", "square_avg": "strided"}),
        run(v, "3d", "3-D tensors (2, 3, 4)", (2, 3, 4), f32, 3),
    ]
