"""Checks for rnn-forward, against torch.nn.RNN (tanh, one layer) loaded with the same
weights: h_last is h_n[0] and h_max is output.max(dim=time).values."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="rnn_forward",
    args=("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh"),
    returns=("h_last", "h_max"),
    reference_name="torch.nn.RNN",
)


def reference(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    hidden, inp = w_ih.shape
    rnn = torch.nn.RNN(inp, hidden, nonlinearity="tanh", batch_first=batch_first,
                       dtype=x.dtype, device=x.device)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(w_ih)
        rnn.weight_hh_l0.copy_(w_hh)
        rnn.bias_ih_l0.copy_(b_ih)
        rnn.bias_hh_l0.copy_(b_hh)
        output, h_n = rnn(x, h0.unsqueeze(0).contiguous())
    return h_n[0], output.max(dim=1 if batch_first else 0).values


def _check(v, name, regime, t, n, d, h, dtype=torch.float32, batch_first=None,
           weight_scale=1.0, note="", layout=None, tol_scale=1.0):
    k = weight_scale / h**0.5
    inputs = {
        "x": v.randn(*((n, t, d) if batch_first else (t, n, d)), dtype=dtype),
        "h0": torch.tanh(v.randn(n, h, dtype=dtype, scale=2.0)),
        "w_ih": v.randn(h, d, dtype=dtype, scale=k),
        "w_hh": v.randn(h, h, dtype=dtype, scale=k),
        "b_ih": v.randn(h, dtype=dtype, scale=k),
        "b_hh": v.randn(h, dtype=dtype, scale=k),
    }
    if batch_first is not None:
        inputs["batch_first"] = batch_first
    return Check(name=name, regime=regime, inputs=inputs, layout=layout or {}, note=note,
                 tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f64 = torch.float64
    t, n, d, h = v.integer(4, 9, 5), v.integer(2, 5, 3), v.integer(2, 6, 4), v.integer(3, 8, 6)
    return [
        _check(v, "time-first-f32", "x of shape (T, N, D), batch_first left out", t, n, d, h,
               note="Default layout: time is dim 0."),
        _check(v, "batch-first-f64", "batch_first=True: x of shape (N, T, D)", t + 2, n, d, h,
               f64, batch_first=True,
               note="With batch_first, time is dim 1 of x; the outputs stay (N, H)."),
        _check(v, "time-first-f64", "batch_first=False passed explicitly, float64", t, n + 1,
               d, h, f64, batch_first=False),
        _check(v, "long-sequence-f32", "a 200-step sequence", 200, n, d, h, tol_scale=10.0,
               note="The same weights at every one of 200 steps; early evidence must survive "
                    "in h_max."),
        _check(v, "long-sequence-f64", "200 steps, batch_first, float64", 200, 2, d, h, f64,
               batch_first=True),
        _check(v, "saturating-f32", "large weights (tanh saturates)", t, n, d, h,
               batch_first=True, weight_scale=4.0,
               note="Large pre-activations: tanh keeps every state in (-1, 1)."),
        _check(v, "single-step", "T = 1, N = 1, D = 1, H = 1", 1, 1, 1, 1, f64,
               note="With one step, h_last and h_max are both h_1 (not h0)."),
        _check(v, "noncontiguous", "transposed (non-contiguous) x and w_hh", t, n, d, h,
               layout={"x": "transposed", "w_hh": "transposed"},
               note="Non-contiguous inputs must give the same result."),
    ]
