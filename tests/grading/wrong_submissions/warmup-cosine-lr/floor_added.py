import math

import torch


def warmup_cosine_lr(step, base_lr, warmup_steps, total_steps, min_lr=0.0):
    t = step.to(torch.float32)
    warm = base_lr * (t + 1) / (warmup_steps + 1)
    frac = (t - warmup_steps) / (total_steps - warmup_steps)
    cos = min_lr + base_lr * (1 + torch.cos(math.pi * frac)) / 2
    return torch.where(step < warmup_steps, warm, cos)
