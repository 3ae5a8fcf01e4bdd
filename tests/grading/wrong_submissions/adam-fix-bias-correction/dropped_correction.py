import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    # the correction was the problem, so leave it out
    new_param = param - lr * m / (v.sqrt() + eps)
    return new_param, m, v
