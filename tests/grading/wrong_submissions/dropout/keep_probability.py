import torch


def dropout(x, p, training, generator=None):
    if not training or p == 0:
        return x
    if p == 1:
        return torch.zeros_like(x)
    mask = (torch.rand(x.shape, generator=generator, dtype=x.dtype) < p).to(x.dtype)
    return mask * x / p
