

def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    """One step of torch.optim.SGD with momentum (weight_decay=0)."""
    if buf is None:
        # First step: torch stores a copy of the gradient, with no dampening.
        new_buf = grad.clone()
    else:
        new_buf = momentum * buf + (1 - dampening) * grad
    step = grad + momentum * new_buf if nesterov else new_buf
    new_param = param - lr * step
    return new_param, new_buf
