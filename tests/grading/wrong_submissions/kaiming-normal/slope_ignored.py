import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    rf = math.prod(tensor.shape[2:])
    fan = (tensor.shape[1] if mode == "fan_in" else tensor.shape[0]) * rf
    if nonlinearity in ("relu", "leaky_relu"):
        gain = math.sqrt(2.0)
    elif nonlinearity == "tanh":
        gain = 5.0 / 3
    else:
        gain = 1.0
    with torch.no_grad():
        tensor.normal_(0.0, gain / math.sqrt(fan), generator=generator)
    return tensor
