import torch


def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    # Mistake: an exponential moving average instead of torch's velocity.
    if buf is None:
        buf = torch.zeros_like(grad)
    new_buf = momentum * buf + (1 - momentum) * grad
    step = grad + momentum * new_buf if nesterov else new_buf
    return param - lr * step, new_buf
