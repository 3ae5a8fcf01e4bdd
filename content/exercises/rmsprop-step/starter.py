import torch  # noqa: F401


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """One RMSprop step. Returns (new_param, new_square_avg)."""
    raise NotImplementedError
