def sgd_step(param, grad, lr):
    update = -lr * grad
    return update
