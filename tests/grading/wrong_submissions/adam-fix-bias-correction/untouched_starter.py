import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step. Returns (new_param, new_m, new_v); t counts from 1."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad

    # bias correction  (TODO: is this right?)
    m = m / (1 - beta1 ** t)
    v = v / (1 - beta2 ** t)
    new_param = param - lr * m / (torch.sqrt(v) + eps)
    return new_param, m, v
