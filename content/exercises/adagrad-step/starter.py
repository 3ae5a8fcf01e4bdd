import torch  # noqa: F401


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    """One Adagrad step. Returns (new_param, new_state_sum)."""
    raise NotImplementedError
