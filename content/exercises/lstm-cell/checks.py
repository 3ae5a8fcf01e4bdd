"""Checks for lstm-cell: (h, c) against torch.nn.LSTMCell with the same weights, one step
and a sequence with the state carried from step to step."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="lstm_cell",
    args=("x", "h", "c", "w_ih", "w_hh", "b_ih", "b_hh"),
    returns=("h", "c"),
    carry={"h": "h", "c": "c"},
    reference_name="torch.nn.LSTMCell",
)


def reference(x, h, c, w_ih, w_hh, b_ih, b_hh):
    cell = torch.nn.LSTMCell(w_ih.shape[1], h.shape[1]).to(x.dtype)
    with torch.no_grad():
        for p, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh),
                            (w_ih, w_hh, b_ih, b_hh), strict=True):
            p.copy_(value)
        h_next, c_next = cell(x, (h, c))
    return h_next, c_next


def _check(v, name, regime, n, i, hid, dtype=torch.float32, steps=1, scale=1.0, note="",
           layout=None, tol_scale=1.0):
    s = scale * hid**-0.5
    x = v.randn(steps, n, i, dtype=dtype, scale=scale)
    inputs = {
        "h": v.randn(n, hid, dtype=dtype, scale=0.5),
        "c": v.randn(n, hid, dtype=dtype),
        "w_ih": v.randn(4 * hid, i, dtype=dtype, scale=s),
        "w_hh": v.randn(4 * hid, hid, dtype=dtype, scale=s),
        "b_ih": v.randn(4 * hid, dtype=dtype, scale=0.5),
        "b_hh": v.randn(4 * hid, dtype=dtype, scale=0.5),
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
               note="Gate blocks of the weights are stacked in the order i, f, g, o."),
        _check(v, "step-f64", "one step, float64", n, i, hid, f64),
        _check(v, "sequence-f64", "12 steps, (h, c) carried from step to step", n, i, hid, f64,
               steps=12, note="Your own (h, c) is fed into the next step."),
        _check(v, "saturated-f64", "large inputs: gates saturate", n, i, hid, f64, scale=4.0,
               note="h = o * tanh(c) stays in (-1, 1) even when c grows."),
        _check(v, "one-example-f32", "a batch of one, 5 steps", 1, i, hid, steps=5, tol_scale=4.0),
        _check(v, "non-contiguous", "transposed weights", n, i, hid, f64,
               layout={"w_ih": "transposed", "w_hh": "transposed"}),
    ]
