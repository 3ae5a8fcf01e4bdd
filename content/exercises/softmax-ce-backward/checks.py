"""Checks for softmax-ce-backward: the gradient of the mean cross-entropy with respect to
the logits, against torch.autograd.grad through torch.nn.functional.cross_entropy."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="softmax_ce_backward",
    args=("logits", "targets"),
    returns="grad_logits",
    reference_name="torch.autograd.grad of F.cross_entropy (mean)",
)


def reference(logits, targets):
    z = logits.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(F.cross_entropy(z, targets), z)
    return grad


def _check(v, name, regime, n, c, dtype=torch.float32, scale=2.0, shift=0.0, note="",
           layout=None):
    inputs = {"logits": v.randn(n, c, dtype=dtype, scale=scale, shift=shift),
              "targets": v.randint(0, c, n)}
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, c = v.pick((8, 5), (6, 4), (10, 7))
    f64 = torch.float64
    return [
        _check(v, "batch-f32", f"logits ({n}, {c}), float32", n, c,
               note="grad = (softmax(logits) - onehot(targets)) / N."),
        _check(v, "batch-f64", f"logits ({n}, {c}), float64", n, c, f64),
        _check(v, "large-logits-f32", "logits in the hundreds", n, c, scale=300.0,
               note="exp(z) overflows above about 88 in float32: subtract the row max first."),
        _check(v, "near-overflow-f32", "float32 logits near 87, just below exp's limit", n, 8,
               scale=0.2, shift=87.5,
               note="Each exp(z) fits in float32 but their sum overflows to inf: subtract the "
                    "row max first."),
        _check(v, "one-example-f64", "a batch of one", 1, c, f64,
               note="With N = 1 the probabilities are normalized over the classes of that one row."),
        _check(v, "many-classes-f64", "50 classes", v.integer(3, 6, 4), 50, f64),
        _check(v, "non-contiguous", "transposed (non-contiguous) logits", c + 2, c, f64,
               layout={"logits": "transposed"}),
    ]
