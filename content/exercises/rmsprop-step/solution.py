import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    """One RMSprop step. Returns (new_param, new_square_avg)."""
    new_sq = alpha * square_avg + (1 - alpha) * grad * grad
    new_param = param - lr * grad / (torch.sqrt(new_sq) + eps)
    return new_param, new_sq
