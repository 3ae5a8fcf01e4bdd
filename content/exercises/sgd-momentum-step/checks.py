"""Checks for sgd-momentum-step: the learner's step against torch.optim.SGD itself.

Every check is a multi-step run: the submission's own (new_param, new_buf) are fed back
as (param, buf), starting from buf=None, so the first-step rule and compounding errors
both show.
"""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="sgd_momentum_step",
    args=("param", "grad", "buf", "lr"),
    returns=("new_param", "new_buf"),
    carry={"param": "new_param", "buf": "new_buf"},
    reference_name="torch.optim.SGD",
)


def reference(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    state = {} if buf is None else {"momentum_buffer": buf}
    new_param, new_state = optimizer_step(
        torch.optim.SGD, param, grad, state,
        lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
    )
    return new_param, new_state["momentum_buffer"].detach()


def _run(v, name, regime, shape, dtype, steps, *, lr, grad_scale=1.0, note="",
         tol_scale=1.0, layout=None, **hparams):
    grads = v.randn(steps, *shape, dtype=dtype, scale=grad_scale)
    inputs = {"param": v.randn(*shape, dtype=dtype), "buf": None, "lr": lr, **hparams}
    return Check(
        name=name, regime=regime, inputs=inputs, steps=steps, per_step={"grad": grads},
        layout=layout or {}, tol_scale=tol_scale, note=note,
    )


def checks(v: Variant) -> list[Check]:
    shape = v.pick((4, 5), (3, 7), (2, 3, 4), (16,))
    f32, f64 = torch.float32, torch.float64
    return [
        _run(v, "defaults-f32", "default momentum=0.9, dampening=0, nesterov=False (left out)",
             shape, f32, 10, lr=v.log_uniform(1e-3, 1e-1, 0.01),
             note="Uses your defaults: momentum 0.9, no dampening, no Nesterov; the first "
                  "step must store buf = grad."),
        _run(v, "dampening-f64", "momentum=0.5 with dampening=0.3",
             v.pick((6,), (2, 5), (3, 1, 2)), f64, 12, lr=v.uniform(0.05, 0.3, 0.1),
             momentum=v.uniform(0.3, 0.8, 0.5), dampening=v.uniform(0.1, 0.6, 0.3),
             note="Dampening scales the gradient added to the buffer from the second step "
                  "on, but never the first step's buf = grad."),
        _run(v, "nesterov-f32", "nesterov=True, momentum=0.9",
             shape, f32, 12, lr=v.log_uniform(1e-3, 1e-1, 0.05), momentum=0.9,
             dampening=0.0, nesterov=True,
             note="With nesterov=True the step is lr * (grad + momentum * buf), buf updated "
                  "first."),
        _run(v, "long-run-f64", "200 steps, momentum=0.99, nesterov on",
             v.pick((3, 4), (5,), (2, 2, 2)), f64, 200, lr=v.log_uniform(1e-4, 1e-2, 1e-3),
             momentum=v.pick(0.99, 0.95), dampening=0.0, nesterov=True,
             note="Errors compound over 200 steps with a slowly decaying buffer."),
        _run(v, "long-run-f32", "200 steps, defaults, float32",
             shape, f32, 200, lr=v.log_uniform(1e-4, 1e-2, 1e-3), tol_scale=10.0,
             note="Float32 rounding accumulates over 200 steps; the tolerance allows for it."),
        _run(v, "scalar-0d", "a 0-d parameter", (), f64, 5, lr=0.1, momentum=0.8,
             dampening=0.2,
             note="0-d tensors: no indexing or reshaping that assumes a dimension."),
        _run(v, "noncontig-3d", "non-contiguous 3-D tensors", (2, 3, 4), f32, 8, lr=0.05,
             layout={"param": "transposed", "grad": "strided"}, nesterov=True, dampening=0.0,
             note="Transposed and strided inputs must give the same result as contiguous "
                  "ones."),
    ]
