import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    # rand weight matrix scaled by sqrt(2 / second dimension)
    fan_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    a = gain * math.sqrt(2.0 / fan_in)
    with torch.no_grad():
        tensor.uniform_(-a, a, generator=generator)
    return tensor
