"""Checks for rnn-bptt: the gradients of the last hidden state of a one-layer tanh nn.RNN
(time first) with respect to its four parameters and h0, against torch.autograd.grad."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="rnn_bptt",
    args=("x", "h0", "w_ih", "w_hh", "b_ih", "b_hh", "grad_h_last"),
    returns=("grad_w_ih", "grad_w_hh", "grad_b_ih", "grad_b_hh", "grad_h0"),
    reference_name="torch.autograd.grad through nn.RNN",
)


def reference(x, h0, w_ih, w_hh, b_ih, b_hh, grad_h_last):
    rnn = torch.nn.RNN(x.shape[2], h0.shape[1], nonlinearity="tanh").to(x.dtype)
    params = [rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0]
    with torch.no_grad():
        for p, value in zip(params, (w_ih, w_hh, b_ih, b_hh), strict=True):
            p.copy_(value)
    h0 = h0.detach().clone().requires_grad_(True)
    _, h_n = rnn(x, h0.unsqueeze(0))
    return torch.autograd.grad(h_n[0], [*params, h0], grad_h_last)


def _check(v, name, regime, t, n, i, h, dtype=torch.float32, note="", layout=None, tol_scale=1.0):
    s = h**-0.5
    inputs = {
        "x": v.randn(t, n, i, dtype=dtype),
        "h0": v.randn(n, h, dtype=dtype, scale=0.5),
        "w_ih": v.randn(h, i, dtype=dtype, scale=s),
        "w_hh": v.randn(h, h, dtype=dtype, scale=s),
        "b_ih": v.randn(h, dtype=dtype, scale=0.1),
        "b_hh": v.randn(h, dtype=dtype, scale=0.1),
        "grad_h_last": v.randn(n, h, dtype=dtype),
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    t, n, i, h = v.integer(4, 7, 5), v.integer(2, 4, 3), v.integer(2, 5, 4), v.integer(3, 6, 5)
    f64 = torch.float64
    return [
        _check(v, "seq-f32", f"T={t}, batch {n}, {i} inputs, {h} hidden, float32", t, n, i, h,
               tol_scale=4.0, note="The weight gradients sum over every time step."),
        _check(v, "seq-f64", "float64", t, n, i, h, f64),
        _check(v, "one-step-f64", "a sequence of one step (T = 1)", 1, n, i, h, f64,
               note="With T = 1 the backward pass is one step, t = 0, which reads x[0] and h0."),
        _check(v, "long-f64", "T = 25", 25, n, i, h, f64,
               note="The gradient reaches early steps only through w_hh, one step at a time."),
        _check(v, "one-example-f64", "a batch of one", t, 1, i, h, f64),
        _check(v, "non-contiguous", "strided x, transposed w_hh", t, n, i, h, f64,
               layout={"x": "strided", "w_hh": "transposed"}),
    ]
