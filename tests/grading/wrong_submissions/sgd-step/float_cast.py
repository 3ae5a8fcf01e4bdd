import torch


def sgd_step(param, grad, lr):
    return (param.float() - lr * grad.float()).to(param.dtype)
