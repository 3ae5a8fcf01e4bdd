import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": math.sqrt(2.0),
             "leaky_relu": math.sqrt(2.0 / (1 + a * a))}
    fan_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    std = gains[nonlinearity] / math.sqrt(fan_in)
    with torch.no_grad():
        tensor.normal_(0.0, std, generator=generator)
    return tensor
