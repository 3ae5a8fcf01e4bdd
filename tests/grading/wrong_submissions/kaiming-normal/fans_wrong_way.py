import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    rf = math.prod(tensor.shape[2:])
    fan_in, fan_out = tensor.shape[0] * rf, tensor.shape[1] * rf  # (in, out)
    fan = fan_in if mode == "fan_in" else fan_out
    if nonlinearity == "tanh":
        gain = 5.0 / 3
    elif nonlinearity == "relu":
        gain = math.sqrt(2.0)
    elif nonlinearity == "leaky_relu":
        gain = math.sqrt(2.0 / (1 + a ** 2))
    else:
        gain = 1.0
    with torch.no_grad():
        tensor.normal_(0.0, gain / math.sqrt(fan), generator=generator)
    return tensor
