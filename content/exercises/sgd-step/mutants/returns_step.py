def sgd_step(param, grad, lr):
    return -lr * grad
