"""Checks for q-learning-update: whole trajectories of transitions, one call per
transition, the learner's own table fed back each step and compared after every step
with the Q-learning update computed in float64."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="q_learning_update",
    args=("q", "s", "a", "r", "s_next", "done"),
    returns="new_q",
    carry={"q": "new_q"},
    reference_name="the Q-learning update",
)


def reference(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    table = q.double()
    target = r + gamma * (0.0 if done else float(table[s_next].max()))
    new_q = table.clone()
    new_q[s, a] = table[s, a] + alpha * (target - table[s, a])
    return new_q.to(q.dtype)


def _trajectory(v, num_states, num_actions, steps, p_done):
    rng = v.rng
    s = rng.randrange(num_states)
    cols = {"s": [], "a": [], "r": [], "s_next": [], "done": []}
    for _ in range(steps):
        a = rng.randrange(num_actions)
        s_next = rng.randrange(num_states)
        done = rng.random() < p_done
        for key, val in zip(cols, (s, a, round(rng.gauss(0.0, 1.0), 3), s_next, done),
                            strict=True):
            cols[key].append(val)
        s = rng.randrange(num_states) if done else s_next
    return cols


def _check(v, name, regime, num_states, num_actions, steps, p_done, dtype=torch.float32,
           note="", **hparams):
    return Check(
        name=name, regime=regime,
        inputs={"q": v.randn(num_states, num_actions, dtype=dtype), **hparams},
        steps=steps, per_step=_trajectory(v, num_states, num_actions, steps, p_done),
        note=note,
    )


def checks(v: Variant) -> list[Check]:
    f64 = torch.float64
    return [
        _check(v, "defaults-f32", "40 transitions, alpha and gamma left out (0.1, 0.99)",
               v.integer(4, 8, 6), v.integer(2, 4, 3), 40, 0.1,
               note="Target r + gamma * max_a' Q(s', a'), or r at a terminal transition."),
        _check(v, "long-run-f64", "300 transitions, alpha=0.5, gamma=0.9",
               v.integer(8, 12, 10), 4, 300, 0.05, f64, alpha=v.uniform(0.3, 0.7, 0.5),
               gamma=v.uniform(0.8, 0.95, 0.9),
               note="Hundreds of updates feed each other through the max."),
        _check(v, "many-terminals-f32", "half of the transitions are terminal",
               5, 3, 60, 0.5, alpha=0.3, gamma=0.95,
               note="A terminal transition has no bootstrap term, but keeps its reward."),
        _check(v, "alpha-one-f64", "alpha=1, gamma=1: Q(s, a) becomes the target",
               4, 2, 50, 0.3, f64, alpha=1.0, gamma=1.0),
        _check(v, "gamma-zero", "gamma=0: the target is the reward", 6, 3, 30, 0.2,
               alpha=0.5, gamma=0.0),
        _check(v, "one-state-one-action", "a 1 x 1 table", 1, 1, 10, 0.5, f64, alpha=0.2,
               gamma=0.5, note="The smallest table: s = s' = 0, a = 0."),
    ]
