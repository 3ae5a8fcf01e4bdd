"""Bugs found while writing the curriculum, kept fixed."""

from __future__ import annotations

import math

import torch

from studyapp.grading.compare import Close

TRAIN_WITH_TORCH_OPTIM = '''
import torch


def forward(params, x):
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1.T + b1) @ w2.T + b2


def train(w1, b1, w2, b2, x, y, lr=0.1, batch_size=16, epochs=2):
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    optimizer = torch.optim.SGD(params, lr=lr)
    for _ in range(epochs):
        for start in range(0, x.shape[0], batch_size):
            optimizer.zero_grad()
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            ((forward(params, xb) - yb) ** 2).mean().backward()
            optimizer.step()
    return tuple(p.detach() for p in params)
'''


def test_torch_optim_works_inside_the_sandbox_where_not_banned(grader):
    # Building an optimizer imports modules lazily (cProfile); a child that dropped its
    # uid cannot read them, so the fork server must have paid those imports already.
    verdict = grader.grade_sync("minibatch-training-loop-fix", TRAIN_WITH_TORCH_OPTIM)
    assert verdict.status == "passed", verdict.to_json()


def test_an_infinite_expected_value_only_matches_the_same_infinity():
    expected = torch.tensor([[1.0, -math.inf]])
    assert Close()(expected, torch.tensor([[1.0, -math.inf]])) is None
    assert Close()(expected, torch.tensor([[1.0, 0.0]])) is not None
    assert Close()(expected, torch.tensor([[1.0, math.inf]])) is not None
    assert Close()(expected, torch.tensor([[1.0, -1e30]])) is not None
