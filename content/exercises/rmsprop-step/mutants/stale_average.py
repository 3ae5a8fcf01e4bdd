import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    new_param = param - lr * grad / (torch.sqrt(square_avg) + eps)
    new_sq = alpha * square_avg + (1 - alpha) * grad * grad
    return new_param, new_sq
