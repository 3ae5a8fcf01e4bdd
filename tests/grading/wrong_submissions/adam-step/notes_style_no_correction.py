import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    just_grad = beta1 * m + (1 - beta1) * grad
    square_grad = beta2 * v + (1 - beta2) * (grad ** 2)
    new_param = param - (lr * just_grad) / (torch.sqrt(square_grad) + eps)
    return new_param, just_grad, square_grad
