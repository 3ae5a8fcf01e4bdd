import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * grad ** 2
    return param - lr * grad / torch.sqrt(square_avg + eps), square_avg
