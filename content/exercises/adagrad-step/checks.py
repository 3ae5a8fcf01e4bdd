"""Checks for adagrad-step: the learner's step against torch.optim.Adagrad itself.

Every check is a run of several steps with the submission's own (new_param,
new_state_sum) fed back, so a wrong accumulator shows from the second step on and
compounds."""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="adagrad_step",
    args=("param", "grad", "state_sum"),
    returns=("new_param", "new_state_sum"),
    carry={"param": "new_param", "state_sum": "new_state_sum"},
    reference_name="torch.optim.Adagrad",
)


def reference(param, grad, state_sum, lr=1e-2, eps=1e-10):
    new_param, state = optimizer_step(
        torch.optim.Adagrad, param, grad, {"step": 0, "sum": state_sum}, lr=lr, eps=eps,
        foreach=False)
    return new_param, state["sum"]


def run(v, name, regime, shape, dtype, steps, *, grad_scale=1.0, warm_state=False, note="",
        layout=None, tol_scale=1.0, atol=None, **hparams):
    if warm_state:  # mid-training: the sum of many earlier squared gradients
        s0 = v.rand(*shape, dtype=dtype, lo=5.0, hi=40.0) * grad_scale**2
    else:
        s0 = torch.zeros(shape, dtype=dtype)
    return Check(
        name, regime, {"param": v.randn(*shape, dtype=dtype), "state_sum": s0, **hparams},
        steps=steps, per_step={"grad": v.randn(steps, *shape, dtype=dtype, scale=grad_scale)},
        layout=layout or {}, tol_scale=tol_scale, atol=atol, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shape = v.pick((4, 5), (3, 7), (6, 2), (2, 9))
    return [
        run(v, "defaults-f32", "default lr and eps, float32, from a zero sum", shape, f32, 4,
            note="every hyperparameter left at its default"),
        run(v, "defaults-f64", "default hyperparameters, float64", shape, f64, 4),
        run(v, "tiny-grads", "tiny gradients (~1e-6)", shape, f64, 4, grad_scale=1e-6,
            atol=1e-18, note="with squared gradients near eps, where eps goes matters"),
        run(v, "hyperparameters", "lr = 0.1, eps = 1e-3", shape, f64, 5,
            lr=v.log_uniform(0.03, 0.3, 0.1), eps=v.log_uniform(1e-4, 1e-2, 1e-3),
            note="uses lr and eps as passed"),
        run(v, "mid-training", "starting from a large accumulated sum", shape, f64, 4,
            warm_state=True, note="the new grad^2 is added to the history, never averaged"),
        run(v, "long-run", "150 steps, float32, your outputs fed back in",
            v.pick((6, 4), (5, 5), (24,)), f32, 150, tol_scale=20.0,
            note="the sum keeps growing, so the steps keep shrinking"),
        run(v, "scalar", "0-d tensors", (), f64, 3),
        run(v, "non-contiguous", "transposed param, strided grad and state_sum", (5, 3), f64, 3,
            layout={"param": "transposed", "grad": "strided", "state_sum": "strided"}),
        run(v, "3d", "3-D tensors (2, 3, 4)", (2, 3, 4), f32, 3),
    ]
