import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    # Mistake (the learner's notes): the scale is sqrt(2 / fan_in), He's, used as the bound.
    fan_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    a = gain * math.sqrt(2.0 / fan_in)
    with torch.no_grad():
        return tensor.uniform_(-a, a, generator=generator)
