import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    rf = math.prod(tensor.shape[2:])
    a = gain * math.sqrt(6.0 / ((tensor.shape[0] + tensor.shape[1]) * rf))
    w = torch.empty_like(tensor).uniform_(-a, a, generator=generator)
    return w
