import math

import torch


def _gain(nonlinearity, a):
    if nonlinearity in ("linear", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    return math.sqrt(2.0 / (1 + a**2))


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    # Mistake: the fans ignore the receptive field (kernel size) of conv weights.
    fan_in, fan_out = tensor.shape[1], tensor.shape[0]
    fan = fan_in if mode == "fan_in" else fan_out
    std = _gain(nonlinearity, a) / math.sqrt(fan)
    with torch.no_grad():
        tensor.normal_(0.0, std, generator=generator)
    return tensor
