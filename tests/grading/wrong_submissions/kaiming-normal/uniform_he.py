import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    gain = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": math.sqrt(2)}.get(
        nonlinearity, math.sqrt(2.0 / (1 + a ** 2)))
    rf = math.prod(tensor.shape[2:])
    fan = (tensor.shape[1] if mode == "fan_in" else tensor.shape[0]) * rf
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    with torch.no_grad():
        tensor.uniform_(-bound, bound, generator=generator)
    return tensor
