import math

import torch


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    t = step.float()
    warm = base_lr * t / warmup_steps if warmup_steps > 0 else torch.zeros_like(t)
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    cos = min_lr + 0.5 * (base_lr - min_lr) * (1 + torch.cos(math.pi * progress))
    return torch.where(step < warmup_steps, warm, cos)
