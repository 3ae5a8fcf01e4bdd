"""BernoulliMask: the comparator for dropout-like outputs accepts any correct sample and
names what is wrong with a wrong one (scale, drop rate, eval mode, p = 1)."""

from __future__ import annotations

import torch

from studyapp.grading.kit_masks import BernoulliMask


def _x(n=4000, seed=0):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _dropout(x, p, seed, scale=None):
    keep = torch.rand(x.shape, generator=torch.Generator().manual_seed(seed),
                      dtype=x.dtype) >= p
    return x * keep * (1 / (1 - p) if scale is None else scale)


def test_any_correct_sample_passes_and_samples_of_one_rule_match():
    x = _x()
    cmp = BernoulliMask(x, 0.3)
    a, b = _dropout(x, 0.3, 1)[None], _dropout(x, 0.3, 2)[None]
    assert cmp(a, b) is None
    assert cmp(a, b, against_reference=False) is None


def test_wrong_scale_is_reported_with_the_expected_scale():
    x = _x()
    mm = BernoulliMask(x, 0.3)(_dropout(x, 0.3, 1)[None], _dropout(x, 0.3, 2, scale=1.0)[None])
    assert mm is not None and "x / (1 - p)" in mm.detail


def test_wrong_drop_rate_is_reported():
    x = _x()
    mm = BernoulliMask(x, 0.3)(_dropout(x, 0.3, 1)[None], _dropout(x, 0.7, 2, scale=1 / 0.7)[None])
    assert mm is not None and "dropped" in mm.detail


def test_eval_mode_and_p_one():
    x = _x(100)
    assert BernoulliMask(x, 0.3, dropped=False)(x[None], x[None]) is None
    mm = BernoulliMask(x, 0.3, dropped=False)(x[None], _dropout(x, 0.3, 1)[None])
    assert mm is not None and "eval" in mm.detail
    zeros = torch.zeros(1, 100, dtype=torch.float64)
    assert BernoulliMask(x, 1.0)(zeros, zeros) is None
    assert BernoulliMask(x, 1.0)(zeros, torch.full_like(zeros, float("nan"))) is not None


def test_diagnosis_tells_rules_apart_by_rate_and_scale():
    x = _x()
    cmp = BernoulliMask(x, 0.3)
    right = _dropout(x, 0.3, 1)[None]
    assert cmp(right, _dropout(x, 0.3, 2, scale=1.0)[None], against_reference=False) is not None
    assert cmp(right, _dropout(x, 0.7, 2, scale=1 / 0.3)[None],
               against_reference=False) is not None
