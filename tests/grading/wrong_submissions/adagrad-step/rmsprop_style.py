import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    decay = 0.9
    s = decay * state_sum + (1 - decay) * grad.pow(2)
    return param - lr * grad / (s.sqrt() + eps), s
