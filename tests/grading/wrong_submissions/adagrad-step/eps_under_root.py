import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    state_sum = state_sum + grad ** 2
    return param - lr * grad / torch.sqrt(state_sum + eps), state_sum
