import math  # noqa: F401

import torch  # noqa: F401


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    """The learning rate at each step: linear warm-up to base_lr, then cosine to min_lr."""
    raise NotImplementedError
