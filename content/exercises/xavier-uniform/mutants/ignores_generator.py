import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    receptive = math.prod(tensor.shape[2:])
    fan_in = tensor.shape[1] * receptive
    fan_out = tensor.shape[0] * receptive
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.uniform_(-a, a)
