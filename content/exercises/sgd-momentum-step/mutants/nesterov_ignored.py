

def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    # Mistake: the nesterov flag is ignored; every step uses the buffer alone.
    new_buf = grad.clone() if buf is None else momentum * buf + (1 - dampening) * grad
    return param - lr * new_buf, new_buf
