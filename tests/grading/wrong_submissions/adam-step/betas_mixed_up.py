import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta2 * m + (1 - beta2) * grad
    v = beta1 * v + (1 - beta1) * grad * grad
    m_hat = m / (1 - beta2 ** t)
    v_hat = v / (1 - beta1 ** t)
    return param - lr * m_hat / (torch.sqrt(v_hat) + eps), m, v
