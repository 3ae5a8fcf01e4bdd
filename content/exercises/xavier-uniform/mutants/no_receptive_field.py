import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = tensor.shape[1], tensor.shape[0]
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    with torch.no_grad():
        return tensor.uniform_(-a, a, generator=generator)
