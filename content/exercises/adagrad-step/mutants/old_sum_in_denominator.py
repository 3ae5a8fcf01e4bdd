import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    new_param = param - lr * grad / (torch.sqrt(state_sum) + eps)
    return new_param, state_sum + grad * grad
