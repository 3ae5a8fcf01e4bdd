import torch


def adamw_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2):
    param = param * (1 - lr * weight_decay)
    m = beta2 * m + (1 - beta2) * grad
    v = beta1 * v + (1 - beta1) * grad * grad
    mh = m / (1 - beta2 ** t)
    vh = v / (1 - beta1 ** t)
    return param - lr * mh / (torch.sqrt(vh) + eps), m, v
