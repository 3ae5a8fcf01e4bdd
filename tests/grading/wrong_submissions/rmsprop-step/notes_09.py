import torch


def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    # moving avg of the squared gradient, more weight to the past
    square_grad = 0.9 * square_avg + (1 - 0.9) * (grad ** 2)
    new_param = param - (lr * grad) / (torch.sqrt(square_grad) + eps)
    return new_param, square_grad
