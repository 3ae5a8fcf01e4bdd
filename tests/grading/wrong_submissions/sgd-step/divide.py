def sgd_step(param, grad, lr):
    return param - grad / lr
