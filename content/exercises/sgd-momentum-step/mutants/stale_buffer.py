

def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    # Mistake: the parameter moves with the OLD buffer (velocity updated after the step).
    old = grad.clone() if buf is None else buf
    step = grad + momentum * old if nesterov else old
    new_param = param - lr * step
    new_buf = grad.clone() if buf is None else momentum * buf + (1 - dampening) * grad
    return new_param, new_buf
