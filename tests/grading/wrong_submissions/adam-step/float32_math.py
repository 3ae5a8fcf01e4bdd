import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    dtype = param.dtype
    p, g = param.float(), grad.float()
    m32 = beta1 * m.float() + (1 - beta1) * g
    v32 = beta2 * v.float() + (1 - beta2) * g * g
    mhat = m32 / (1 - beta1 ** t)
    vhat = v32 / (1 - beta2 ** t)
    p = p - lr * mhat / (torch.sqrt(vhat) + eps)
    return p.to(dtype), m32.to(dtype), v32.to(dtype)
