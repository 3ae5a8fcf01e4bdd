

def sgd_step(param, grad, lr):
    """Return the parameters after one plain SGD step."""
    return param - lr * grad
