import torch


def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    # Mistake: the Adam part has no bias correction.
    decayed = param * (1 - lr * weight_decay)
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad * grad
    return decayed - lr * new_m / (torch.sqrt(new_v) + eps), new_m, new_v
