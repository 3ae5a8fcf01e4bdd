"""Checks for freeze-feature-extractor: all eight tensors after the run, against a
reference run written with torch.nn.functional: the backbone (eval-mode F.batch_norm with
the running statistics) computes fixed features and torch.optim.SGD trains the head on
F.cross_entropy; the backbone's six tensors come back unchanged."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

NAMES = ("w1", "b1", "bn_mean", "bn_var", "bn_weight", "bn_bias", "w2", "b2")
SPEC = Spec(
    entry="finetune_head",
    args=(*NAMES, "x", "y"),
    returns=tuple(f"{n}_after" for n in NAMES),
    reference_name="a reference run (frozen backbone in eval mode, SGD on the head)",
)


def reference(w1, b1, bn_mean, bn_var, bn_weight, bn_bias, w2, b2, x, y, lr=0.1, steps=5):
    with torch.no_grad():
        features = F.relu(F.batch_norm(F.linear(x, w1, b1), bn_mean, bn_var, bn_weight,
                                       bn_bias, training=False))
    head_w = w2.detach().clone().requires_grad_(True)
    head_b = b2.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([head_w, head_b], lr=lr)
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(F.linear(features, head_w, head_b), y).backward()
        opt.step()
    backbone = (w1, b1, bn_mean, bn_var, bn_weight, bn_bias)
    return (*(t.clone() for t in backbone), head_w.detach(), head_b.detach())


def _check(v, name, regime, n, d, h, c, dtype, *, shift=1.5, scale=2.0, note="",
           tol_scale=1.0, **kw):
    # new data whose statistics differ from the pretrained running statistics
    x = v.randn(n, d, dtype=dtype, scale=scale, shift=shift)
    inputs = {
        "w1": v.randn(h, d, dtype=dtype, scale=d ** -0.5),
        "b1": v.randn(h, dtype=dtype, scale=0.1),
        "bn_mean": v.randn(h, dtype=dtype, scale=0.5),
        "bn_var": v.rand(h, dtype=dtype, lo=0.5, hi=2.0),
        "bn_weight": v.rand(h, dtype=dtype, lo=0.5, hi=1.5),
        "bn_bias": v.randn(h, dtype=dtype, scale=0.2),
        "w2": v.randn(c, h, dtype=dtype, scale=h ** -0.5),
        "b2": torch.zeros(c, dtype=dtype),
        "x": x,
        "y": v.randint(0, c, n),
        **kw,
    }
    return Check(name, regime, inputs, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    n, d, h, c = v.pick((32, 6, 8, 3), (24, 5, 10, 4), (40, 4, 6, 2))
    return [
        _check(v, "defaults-f64", f"N={n}, D={d}, H={h}, C={c}; lr and steps left out",
               n, d, h, c, f64,
               note="the backbone's six tensors must come back exactly as given"),
        _check(v, "shifted-data", "data far from the pretrained statistics (mean 4)",
               n, d, h, c, f64, shift=4.0, lr=0.2, steps=3,
               note="batch statistics differ most from the running ones here"),
        _check(v, "f32", "float32, lr = 0.5, 8 steps", n, d, h, c, f32, lr=0.5, steps=8,
               tol_scale=4.0),
        _check(v, "one-step", "a single step", n, d, h, c, f64, steps=1,
               note="even one training-mode forward pass moves the running statistics"),
        _check(v, "long-run", "40 steps", n, d, h, c, f64, lr=0.1, steps=40),
    ]
