import torch


def adam_step(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    # t starts at 0 so use t+1 in the bias correction
    step = t + 1
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * (grad * grad)
    m_corr = new_m / (1 - beta1 ** step)
    v_corr = new_v / (1 - beta2 ** step)
    return param - lr * m_corr / (torch.sqrt(v_corr) + eps), new_m, new_v
