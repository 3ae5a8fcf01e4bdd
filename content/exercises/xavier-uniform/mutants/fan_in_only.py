import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    receptive = math.prod(tensor.shape[2:])
    fan_in = tensor.shape[1] * receptive
    a = gain * math.sqrt(3.0 / fan_in)
    with torch.no_grad():
        return tensor.uniform_(-a, a, generator=generator)
