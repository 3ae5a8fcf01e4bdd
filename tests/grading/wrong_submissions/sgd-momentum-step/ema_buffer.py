import torch


def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    if buf is None:
        buf = torch.zeros_like(grad)
    buf = momentum * buf + (1 - momentum) * grad
    step = grad + momentum * buf if nesterov else buf
    return param - lr * step, buf
