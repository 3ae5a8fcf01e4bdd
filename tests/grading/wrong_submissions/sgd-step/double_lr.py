def sgd_step(param, grad, lr):
    # gradient of 0.5 * lr * ||g||^2 ... step twice
    return param - 2 * lr * grad
