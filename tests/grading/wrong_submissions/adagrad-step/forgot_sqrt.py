import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    g2 = grad * grad
    new_sum = state_sum + g2
    step = lr * grad / (new_sum + eps)
    return param - step, new_sum
