import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    sq = (1 - alpha) * square_avg + alpha * grad * grad
    param = param - lr * grad / (sq.sqrt() + eps)
    return param, sq
