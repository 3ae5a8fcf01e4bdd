import math

import torch


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    t = step.to(torch.float32)
    warm = base_lr * t / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    cosine = min_lr + (base_lr - min_lr) * (1 + torch.cos(math.pi * progress)) / 2
    return torch.where(step < warmup_steps, warm, cosine)
