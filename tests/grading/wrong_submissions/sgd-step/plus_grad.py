def sgd_step(param, grad, lr):
    param = param + lr * grad
    return param
