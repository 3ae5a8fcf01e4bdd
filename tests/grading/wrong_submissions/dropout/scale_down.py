import torch


def dropout(x, p, training, generator=None):
    if not training:
        return x
    mask = torch.rand(x.shape, generator=generator, dtype=x.dtype) >= p
    return x * mask * (1 - p)  # keep the expected activation the same
