import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    new_sum = 0.99 * state_sum + 0.01 * grad * grad
    return param - lr * grad / (torch.sqrt(new_sum) + eps), new_sum
