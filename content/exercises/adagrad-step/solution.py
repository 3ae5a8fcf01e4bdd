import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    """One Adagrad step. Returns (new_param, new_state_sum)."""
    new_sum = state_sum + grad * grad
    return param - lr * grad / (torch.sqrt(new_sum) + eps), new_sum
