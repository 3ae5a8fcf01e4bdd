def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    if buf is None:
        buf = grad.clone()
        return param - lr * buf, buf
    new_param = param - lr * buf
    buf = momentum * buf + (1 - dampening) * grad
    return new_param, buf
