import torch  # noqa: F401 - you will need it


def dropout(x, p, training, generator=None):
    """Inverted dropout: in training, zero each element with probability p and scale the
    survivors by 1 / (1 - p); in eval, return x unchanged."""
    raise NotImplementedError
