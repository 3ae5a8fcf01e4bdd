import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    avg = alpha * square_avg + (1 - alpha) * grad ** 2
    new_param = param - lr * grad / (torch.sqrt(avg) + eps)
    return new_param, square_avg
