import torch


def dropout(x, p, training, generator=None):
    if p == 1:
        return torch.zeros_like(x)
    mask = torch.empty_like(x).uniform_(0, 1, generator=generator) > p
    return torch.where(mask, x / (1 - p), torch.zeros_like(x))
