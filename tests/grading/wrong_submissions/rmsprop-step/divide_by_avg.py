def rmsprop_step(param, grad, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    new_avg = alpha * square_avg + (1 - alpha) * grad * grad
    return param - lr * grad / (new_avg + eps), new_avg
