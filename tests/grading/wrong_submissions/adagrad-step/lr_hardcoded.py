import torch

LR = 0.01


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    new_sum = state_sum + grad * grad
    return param - LR * grad / (torch.sqrt(new_sum) + eps), new_sum
