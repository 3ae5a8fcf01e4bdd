"""CategoricalSample (a comparator for sampled actions) and same_sample_for_same_seed."""

from __future__ import annotations

import torch

from studyapp.grading.kit_samples import CategoricalSample, same_sample_for_same_seed


def _eps_greedy(q, eps, gen, *, explore_from=0):
    b, a = q.shape
    explore = torch.rand(b, generator=gen) < eps
    rand = torch.randint(explore_from, a, (b,), generator=gen)
    return torch.where(explore, rand, q.argmax(1))


def _policy(q, eps):
    b, a = q.shape
    probs = torch.full((b, a), eps / a, dtype=torch.float64)
    probs[torch.arange(b), q.argmax(1)] += 1 - eps
    return probs


def test_a_correct_sampler_passes_whatever_its_seed():
    q = torch.randn(3000, 4, generator=torch.Generator().manual_seed(0))
    cmp = CategoricalSample(_policy(q, 0.3))
    for seed in range(20):
        got = _eps_greedy(q, 0.3, torch.Generator().manual_seed(seed))
        assert cmp(got[None], got[None]) is None, seed


def test_a_biased_sampler_fails_with_a_readable_message():
    q = torch.randn(3000, 4, generator=torch.Generator().manual_seed(0))
    cmp = CategoricalSample(_policy(q, 0.3), names=[{0: "the first action"}])
    got = _eps_greedy(q, 0.3, torch.Generator().manual_seed(1), explore_from=1)  # never 0
    mm = cmp(got[None], got[None])
    assert mm is not None and mm.first_bad_step == 0
    assert mm.detail.startswith("the first action was chosen in")


def test_out_of_range_actions_are_reported():
    cmp = CategoricalSample(torch.full((3, 2), 0.5))
    mm = cmp(torch.zeros(1, 3), torch.tensor([[0, 2, 1]]))
    assert mm is not None and "action 2 in row 1" in mm.detail


def test_two_samples_from_one_sampler_agree_and_different_samplers_do_not():
    q = torch.randn(3000, 5, generator=torch.Generator().manual_seed(2))
    # grouped by offset from the greedy action (by index alone, with the argmax spread
    # evenly over the actions, every epsilon looks uniform)
    offsets = (torch.arange(5).expand(3000, 5) - q.argmax(1, keepdim=True)) % 5
    cmp = CategoricalSample(_policy(q, 0.5), [offsets])
    a = _eps_greedy(q, 0.5, torch.Generator().manual_seed(3))[None]
    b = _eps_greedy(q, 0.5, torch.Generator().manual_seed(4))[None]
    c = _eps_greedy(q, 0.9, torch.Generator().manual_seed(4))[None]
    assert cmp(a, b, against_reference=False) is None
    assert cmp(a, c, against_reference=False) is not None


def test_same_sample_for_same_seed():
    verify = same_sample_for_same_seed("actions")
    assert verify({"actions": torch.tensor([[1, 2], [1, 2]])}, {}) is None
    assert "global RNG" in verify({"actions": torch.tensor([[1, 2], [2, 1]])}, {})
