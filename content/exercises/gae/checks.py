"""Checks for gae: advantages and returns against the GAE recursion computed in float64
and rounded to the input dtype."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="gae",
    args=("rewards", "values", "last_value", "dones"),
    returns=("advantages", "returns"),
    reference_name="the GAE recursion in float64",
)


def reference(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    r, v, keep = rewards.double(), values.double(), (~dones).double()
    adv = torch.zeros_like(r)
    running = torch.zeros_like(r[0])
    next_value = last_value.double()
    for t in range(r.shape[0] - 1, -1, -1):
        delta = r[t] + gamma * keep[t] * next_value - v[t]
        running = delta + gamma * lam * keep[t] * running
        adv[t] = running
        next_value = v[t]
    return adv.to(rewards.dtype), (adv + v).to(rewards.dtype)


def _check(v, name, regime, shape, p_done, dtype=torch.float64, *, last_done=None, note="",
           tol_scale=1.0, **kw):
    dones = v.rand(*shape) < p_done
    if last_done is not None:
        dones[-1] = last_done
    inputs = {"rewards": v.randn(*shape, dtype=dtype),
              "values": v.randn(*shape, dtype=dtype, scale=2.0),
              "last_value": v.randn(*shape[1:], dtype=dtype, scale=2.0),
              "dones": dones, **kw}
    return Check(name, regime, inputs, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    f32 = torch.float32
    t = v.integer(15, 40, 24)
    n = v.integer(2, 6, 4)
    return [
        _check(v, "defaults-f32", "one environment, a few episodes, gamma and lam left out",
               (t,), 0.15, f32, last_done=False,
               note="the defaults are gamma = 0.99, lam = 0.95"),
        _check(v, "parallel-envs", f"({t}, {n}): environments side by side, gamma = 0.9, "
               "lam = 0.8", (t, n), 0.1, gamma=v.uniform(0.8, 0.97, 0.9),
               lam=v.uniform(0.6, 0.9, 0.8), last_done=False,
               note="each column is its own environment with its own episode ends"),
        _check(v, "lambda-zero", "lam = 0: the one-step TD error", (t, n), 0.2, lam=0.0,
               note="with lam = 0 the advantage is delta_t alone"),
        _check(v, "lambda-one", "lam = 1: Monte-Carlo advantages", (t,), 0.2, lam=1.0,
               gamma=0.95, last_done=False,
               note="with lam = 1, returns are the discounted returns bootstrapped from "
                    "last_value"),
        _check(v, "no-episode-end", "no episode ends inside the rollout", (t, n), -1.0,
               note="a rollout cut mid-episode bootstraps from last_value"),
        _check(v, "ends-on-terminal", "the last step ends an episode", (t,), 0.1,
               last_done=True, note="after a terminal last step, last_value must not count"),
        _check(v, "long-f32", "500 steps x 3 environments, float32", (500, 3), 0.02, f32,
               gamma=0.995, tol_scale=20.0, note="float32 rounding accumulates over 500 steps"),
    ]
