import torch  # noqa: F401


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step. Returns (new_param, new_m, new_v); t counts from 1."""
    raise NotImplementedError
