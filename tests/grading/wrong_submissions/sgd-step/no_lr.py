def sgd_step(param, grad, lr):
    new_param = param - grad
    return new_param
