import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    bound = gain * math.sqrt(3.0 / fan_in)
    with torch.no_grad():
        tensor.uniform_(-bound, bound, generator=generator)
    return tensor
