import math

import torch


def _fans(tensor):
    receptive_field = 1
    for size in tensor.shape[2:]:
        receptive_field *= size
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    # Mistake: the ReLU gain sqrt(2) for every nonlinearity and slope.
    fan_in, fan_out = _fans(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = math.sqrt(2.0) / math.sqrt(fan)
    with torch.no_grad():
        tensor.normal_(0.0, std, generator=generator)
    return tensor
