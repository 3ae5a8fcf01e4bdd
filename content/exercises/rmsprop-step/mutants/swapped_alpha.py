import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    new_sq = (1 - alpha) * square_avg + alpha * grad * grad
    return param - lr * grad / (torch.sqrt(new_sq) + eps), new_sq
