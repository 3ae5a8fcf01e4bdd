"""Checks for gru-cell: h' against torch.nn.GRUCell with the same weights, one step and a
sequence with the state carried from step to step."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="gru_cell",
    args=("x", "h", "w_ih", "w_hh", "b_ih", "b_hh"),
    returns="h",
    carry={"h": "h"},
    reference_name="torch.nn.GRUCell",
)


def reference(x, h, w_ih, w_hh, b_ih, b_hh):
    cell = torch.nn.GRUCell(w_ih.shape[1], h.shape[1]).to(x.dtype)
    with torch.no_grad():
        for p, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
                            (w_ih, w_hh, b_ih, b_hh), strict=True):
            p.copy_(value)
        return cell(x, h)


def _check(v, name, regime, n, i, hid, dtype=torch.float32, steps=1, scale=1.0, note="",
           layout=None, tol_scale=1.0):
    s = scale * hid**-0.5
    x = v.randn(steps, n, i, dtype=dtype, scale=scale)
    inputs = {
        "h": v.randn(n, hid, dtype=dtype, scale=0.5),
        "w_ih": v.randn(3 * hid, i, dtype=dtype, scale=s),
        "w_hh": v.randn(3 * hid, hid, dtype=dtype, scale=s),
        "b_ih": v.randn(3 * hid, dtype=dtype, scale=0.5),
        "b_hh": v.randn(3 * hid, dtype=dtype, scale=0.5),
    }
    per_step = {"x": x} if steps > 1 else {}
    if steps == 1:
        inputs["x"] = x[0]
    return Check(name, regime, inputs, steps=steps, per_step=per_step, layout=layout or {},
                 note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    n, i, hid = v.integer(2, 5, 3), v.integer(2, 6, 4), v.integer(3, 7, 5)
    f64 = torch.float64
    return [
        _check(v, "step-f32", f"one step, batch {n}, {i} inputs, {hid} hidden, float32", n, i, hid,
               note="Blocks stacked r, z, n; h' = (1 - z) * n + z * h."),
        _check(v, "step-f64", "one step, float64", n, i, hid, f64),
        _check(v, "sequence-f64", "12 steps, h carried from step to step", n, i, hid, f64,
               steps=12, note="Your own h' is fed into the next step."),
        _check(v, "saturated-f64", "large inputs: gates saturate", n, i, hid, f64, scale=4.0),
        _check(v, "one-example-f32", "a batch of one, 5 steps", 1, i, hid, steps=5, tol_scale=4.0),
        _check(v, "non-contiguous", "transposed weights", n, i, hid, f64,
               layout={"w_ih": "transposed", "w_hh": "transposed"}),
    ]
