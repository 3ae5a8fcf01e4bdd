import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_out, fan_in = tensor.shape[0], tensor.shape[1]
    a = gain * math.sqrt(6 / (fan_in + fan_out))
    with torch.no_grad():
        tensor.uniform_(-a, a, generator=generator)
    return tensor
