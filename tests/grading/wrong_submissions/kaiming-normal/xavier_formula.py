import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_out, fan_in = tensor.shape[0], tensor.shape[1]
    rf = 1
    for s in tensor.shape[2:]:
        rf *= s
    std = math.sqrt(2.0 / ((fan_in + fan_out) * rf))
    with torch.no_grad():
        tensor.normal_(0, std, generator=generator)
    return tensor
