import torch


def dropout(x, p, training, generator=None):
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1 / (1 - p); in eval, return x unchanged."""
    if not training or p == 0:
        return x
    if p == 1:
        return torch.zeros_like(x)  # everything dropped (and no division by zero)
    keep = torch.rand(x.shape, generator=generator, dtype=x.dtype, device=x.device) >= p
    return x * keep / (1 - p)
