import torch


def dropout(x, p, training, generator=None):
    if not training or p == 0:
        return x
    if p >= 1:
        return x * 0
    mask = torch.rand_like(x) >= p
    return x * mask / (1 - p)
