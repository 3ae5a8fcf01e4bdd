def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    if buf is None:
        new_buf = grad.clone()
    else:
        new_buf = momentum * buf + grad
    step = grad + momentum * new_buf if nesterov else new_buf
    return param - lr * step, new_buf
