"""Checks for reinforce-loss: the surrogate loss and its gradients with respect to
logits, returns and baseline, against the loss built on Categorical.log_prob."""

import torch
from torch.distributions import Categorical

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="reinforce_loss",
    args=("logits", "actions", "returns"),
    returns="loss",
    grads=("logits", "returns", "baseline"),
    reference_name="-(Categorical(logits).log_prob(a) * (G - b).detach()).mean()",
)


def reference(logits, actions, returns, baseline=None):
    weight = returns if baseline is None else returns - baseline
    return -(Categorical(logits=logits).log_prob(actions) * weight.detach()).mean()


def _check(v, name, regime, b, a, dtype, *, scale=1.0, baseline=True, layout=None, note=""):
    returns = v.randn(b, dtype=dtype, scale=3.0, shift=1.0)
    inputs = {"logits": v.randn(b, a, dtype=dtype, scale=scale),
              "actions": v.randint(0, a, b), "returns": returns}
    if baseline:
        inputs["baseline"] = returns + v.randn(b, dtype=dtype)
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    b, a = v.pick((16, 4), (12, 3), (20, 6), (10, 5))
    return [
        _check(v, "no-baseline-f32", f"batch {b}, {a} actions, baseline left out", b, a, f32,
               baseline=False, note="the gradient with respect to logits is the policy gradient"),
        _check(v, "baseline-f64", "with a baseline, float64", b, a, f64,
               note="the baseline is a constant: no gradient flows into it"),
        _check(v, "large-logits", "float32 logits of size ~60", b, a, f32, scale=60.0,
               note="softmax underflows to 0 for unlikely actions; log_softmax does not"),
        _check(v, "two-actions", "A = 2, float64", 3 * b, 2, f64, baseline=False),
        _check(v, "non-contiguous", "transposed (non-contiguous) logits", a + 5, a, f64,
               layout={"logits": "transposed"}),
    ]
