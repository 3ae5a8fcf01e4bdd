"""Checks for discounted-returns: the backward recursion with resets, computed in
float64 with torch ops and rounded to the input dtype."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="discounted_returns",
    args=("rewards", "dones"),
    returns="returns",
    reference_name="the discounted-return recursion",
)


def reference(rewards, dones, gamma=0.99):
    r = rewards.double()
    keep = (~dones).double()
    out = torch.zeros_like(r)
    running = torch.zeros_like(r[0])
    for t in range(r.shape[0] - 1, -1, -1):
        running = r[t] + gamma * keep[t] * running
        out[t] = running
    return out.to(rewards.dtype)


def _check(v, name, regime, shape, p_done, dtype=torch.float32, gamma=None, note="",
           tol_scale=1.0, last_done=None):
    rewards = v.randn(*shape, dtype=dtype)
    dones = v.rand(*shape) < p_done
    if last_done is not None:
        dones[-1] = last_done
    inputs = {"rewards": rewards, "dones": dones}
    if gamma is not None:
        inputs["gamma"] = gamma
    return Check(name=name, regime=regime, inputs=inputs, note=note, tol_scale=tol_scale)


def checks(v: Variant) -> list[Check]:
    t = v.integer(15, 40, 20)
    f64 = torch.float64
    return [
        _check(v, "episodes-f32", "one environment, several episodes, gamma left out (0.99)",
               (t,), 0.15, last_done=False,
               note="The return of a step counts only rewards of its own episode."),
        _check(v, "parallel-envs-f64", "(T, N): 4 environments side by side, gamma=0.9",
               (50, v.integer(2, 6, 4)), 0.1, f64, gamma=v.uniform(0.8, 0.97, 0.9),
               note="Each column is its own environment with its own episode ends."),
        _check(v, "long-rollout-f32", "1000 steps, gamma=0.999", (1000,), 0.01,
               gamma=0.999, tol_scale=20.0,
               note="A long backward pass; float32 rounding accumulates, the tolerance allows "
                    "for it."),
        _check(v, "long-rollout-f64", "1000 steps x 3 environments, gamma=0.995, float64",
               (1000, 3), 0.005, f64, gamma=0.995),
        _check(v, "gamma-zero", "gamma=0: the return is the reward", (t,), 0.3, gamma=0.0,
               note="With gamma = 0 only the immediate reward counts."),
        _check(v, "gamma-one-f64", "gamma=1: undiscounted sums per episode", (12, 3), 0.2, f64,
               gamma=1.0, note="With gamma = 1 each return is the plain sum of the rewards left "
                               "in the episode."),
        _check(v, "every-step-ends", "every step ends an episode", (10,), 1.1, gamma=0.95,
               note="When every step is terminal, G_t = r_t."),
        _check(v, "one-episode", "no episode end inside the rollout", (t,), -1.0, f64,
               gamma=0.9, note="A single episode: a plain discounted sum of what follows."),
        _check(v, "one-step", "T = 1", (1,), 0.5, gamma=0.5),
    ]
