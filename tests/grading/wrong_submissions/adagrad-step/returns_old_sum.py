import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    h = state_sum + grad * grad
    param = param - lr * grad / (h.sqrt() + eps)
    return param, state_sum
