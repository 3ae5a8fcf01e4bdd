import torch


def adagrad_step(param, grad, state_sum, lr=1e-2, eps=1e-10):
    p, g, s = param.float(), grad.float(), state_sum.float()
    s = s + g * g
    p = p - lr * g / (s.sqrt() + eps)
    return p.to(param.dtype), s.to(state_sum.dtype)
