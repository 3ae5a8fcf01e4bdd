def sgd_step(param, grad, lr):
    new_param = param.clone()
    new_param.sub(lr * grad)
    return new_param
