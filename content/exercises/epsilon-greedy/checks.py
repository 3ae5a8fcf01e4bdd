"""Checks for epsilon-greedy: the actions are a sample, so they are checked
statistically (CategoricalSample: the share of greedy actions and of each other action,
by its offset from the greedy one), plus "the same seed gives the same actions"."""

import torch

from studyapp.grading.kit import Check, Generator, Spec, Variant
from studyapp.grading.kit_samples import CategoricalSample, same_sample_for_same_seed

SPEC = Spec(
    entry="epsilon_greedy",
    args=("q_values", "epsilon", "generator"),
    returns="actions",
    reference_name="epsilon-greedy sampling",
)


def reference(q_values, epsilon, generator):
    b, a = q_values.shape
    greedy = q_values.argmax(dim=1)
    explore = torch.rand(b, generator=generator, device=q_values.device) < epsilon
    random_actions = torch.randint(0, a, (b,), generator=generator, device=q_values.device)
    return torch.where(explore, random_actions, greedy)


def _policy(q: torch.Tensor, epsilon: float) -> CategoricalSample:
    b, a = q.shape
    greedy = q.argmax(dim=1, keepdim=True)
    probs = torch.full((b, a), epsilon / a, dtype=torch.float64)
    probs.scatter_add_(1, greedy, torch.full((b, 1), 1 - epsilon, dtype=torch.float64))
    index = torch.arange(a).expand(b, a)
    offsets = (index - greedy) % a  # 0: the greedy action
    by_offset = {0: "the greedy action", **{k: f"the action {k} after the greedy one (mod A)"
                                            for k in range(1, a)}}
    # both groupings: the greedy share, and each action index (every one can be explored)
    return CategoricalSample(probs, [offsets, index], names=[by_offset, {}])


def _check(v, name, regime, b, a, epsilon, dtype=torch.float32, *, repeat_seed=False,
           note=""):
    q = v.randn(b, a, dtype=dtype)
    seed = v.seed_int()
    inputs = {"q_values": q, "epsilon": epsilon}
    per_step = {}
    steps = 1
    if repeat_seed:
        steps = 2
        per_step["generator"] = [Generator(seed), Generator(seed)]
    else:
        inputs["generator"] = Generator(seed)
    return Check(name, regime, inputs, steps=steps, per_step=per_step,
                 compare=_policy(q, epsilon), note=note,
                 verify=same_sample_for_same_seed("actions") if repeat_seed else None)


def checks(v: Variant) -> list[Check]:
    a = v.integer(3, 8, 4)
    eps = v.uniform(0.1, 0.5, 0.2)
    return [
        _check(v, "epsilon", f"4000 states, {a} actions, epsilon = {eps:.2f}, called twice "
               "with the same seed", 4000, a, eps, repeat_seed=True,
               note="the greedy action gets 1 - eps + eps/A, every other action eps/A"),
        _check(v, "high-epsilon-f64", "3000 states, 6 actions, epsilon = 0.8, float64", 3000, 6,
               v.uniform(0.6, 0.9, 0.8), torch.float64,
               note="exploring rows pick among all A actions, the greedy one included"),
        _check(v, "greedy-only", "epsilon = 0: always greedy", 500, a, 0.0,
               note="with epsilon = 0 every action is the argmax"),
        _check(v, "uniform", "epsilon = 1: uniform over all actions", 3000, 5, 1.0,
               note="with epsilon = 1 every action has probability 1/A"),
        _check(v, "two-actions", "A = 2, epsilon = 0.5", 3000, 2, 0.5,
               note="with A = 2 the greedy action gets 0.75"),
    ]
