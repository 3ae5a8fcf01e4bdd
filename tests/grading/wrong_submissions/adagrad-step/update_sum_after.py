import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    new_param = param - lr * grad / (state_sum.sqrt() + eps)
    new_sum = state_sum + grad * grad
    return new_param, new_sum
