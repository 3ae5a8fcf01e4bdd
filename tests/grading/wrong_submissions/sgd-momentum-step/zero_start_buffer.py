import torch


def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    if buf is None:
        buf = torch.zeros_like(param)
    buf = momentum * buf + (1 - dampening) * grad
    if nesterov:
        step = grad + momentum * buf
    else:
        step = buf
    return param - lr * step, buf
