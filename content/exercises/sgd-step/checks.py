"""Checks for sgd-step: compared with torch.optim.SGD."""

import torch

from studyapp.grading.kit import Check, Spec, Variant, optimizer_step

SPEC = Spec(
    entry="sgd_step",
    args=("param", "grad", "lr"),
    returns="new_param",
    carry={"param": "new_param"},
    reference_name="torch.optim.SGD",
)


def reference(param, grad, lr):
    new_param, _ = optimizer_step(torch.optim.SGD, param, grad, {}, lr=lr)
    return new_param


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    shape = v.pick((4, 5), (3, 7), (6, 2), (2, 9))
    lr = v.pick(0.1, 0.05, 0.3, 0.01)

    def case(name, regime, shape, dtype, lr=lr, gscale=1.0, **kw):
        return Check(name, regime, {"param": v.randn(*shape, dtype=dtype),
                                    "grad": v.randn(*shape, dtype=dtype, scale=gscale),
                                    "lr": lr}, **kw)

    steps = 200
    long_shape = v.pick((8, 3), (5, 5), (16,))
    return [
        case("basic-f32", f"float32 {tuple(shape)}", shape, f32),
        case("basic-f64", f"float64 {tuple(shape)}", shape, f64),
        case("large-lr", "lr = 1.5 (large steps)", shape, f64, lr=1.5),
        case("tiny-lr", "lr = 1e-4 with large gradients (~1e3)", shape, f64, lr=1e-4,
             gscale=1e3),
        case("scalar", "0-d tensors", (), f64),
        case("one-element", "a single element", (1,), f32),
        case("non-contiguous", "transposed param, strided grad", (5, 3), f64,
             layout={"param": "transposed", "grad": "strided"}),
        case("3d", "3-D tensors (2, 3, 4)", (2, 3, 4), f32),
        Check("long-run", f"{steps} steps in float32, your output fed back in",
              {"param": v.randn(*long_shape), "lr": lr}, steps=steps,
              per_step={"grad": v.randn(steps, *long_shape)}, tol_scale=10.0,
              note="errors compound over many steps"),
    ]
