"""Checks for dqn-loss: the loss and its gradients with respect to q and q_next_target,
against F.smooth_l1_loss on the gathered predictions and a detached target."""

import torch
import torch.nn.functional as F

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="dqn_loss",
    args=("q", "q_next_target", "actions", "rewards", "dones"),
    returns="loss",
    grads=("q", "q_next_target"),
    reference_name="F.smooth_l1_loss on a detached target",
)


def reference(q, q_next_target, actions, rewards, dones, gamma=0.99):
    target = rewards + gamma * (~dones) * q_next_target.max(dim=1).values
    pred = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    return F.smooth_l1_loss(pred, target.detach())


def _check(v, name, regime, b, a, dtype, *, p_done=0.2, reward_scale=0.3, layout=None,
           note="", **kw):
    q_next = v.randn(b, a, dtype=dtype)
    inputs = {
        # q near the target, so both Huber pieces occur as reward_scale grows
        "q": q_next.roll(1, 0) * 0.9 + v.randn(b, a, dtype=dtype, scale=0.2),
        "q_next_target": q_next,
        "actions": v.randint(0, a, b),
        "rewards": v.randn(b, dtype=dtype, scale=reward_scale),
        "dones": v.rand(b) < p_done,
        **kw,
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    f32, f64 = torch.float32, torch.float64
    b, a = v.pick((16, 4), (12, 3), (20, 5), (10, 6))
    return [
        _check(v, "defaults-f32", f"batch {b}, {a} actions, gamma left out (0.99)", b, a, f32,
               note="the gradient into q_next_target must be zero"),
        _check(v, "large-td-errors", "rewards ~ 10: most |TD errors| > 1", b, a, f64,
               reward_scale=10.0, note="beyond |delta| = 1 Huber grows linearly"),
        _check(v, "terminals", "gamma = 0.9, half the transitions terminal", b, a, f64,
               p_done=0.5, gamma=v.uniform(0.8, 0.95, 0.9),
               note="a terminal next state has value 0: the target is the reward"),
        _check(v, "all-terminal", "every transition terminal", b, a, f64, p_done=1.1,
               note="with every done set, the target network plays no part"),
        _check(v, "mixed-f64", "mixed TD errors, float64, gamma = 0.5", 3 * b, a, f64,
               reward_scale=1.5, gamma=0.5),
        _check(v, "non-contiguous", "transposed (non-contiguous) q and q_next_target", a + 3, a,
               f64, layout={"q": "transposed", "q_next_target": "transposed"}),
    ]
