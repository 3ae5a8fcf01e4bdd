import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    rf = math.prod(tensor.shape[2:])
    std = gain * math.sqrt(2.0 / ((tensor.shape[0] + tensor.shape[1]) * rf))
    with torch.no_grad():
        tensor.normal_(0, std, generator=generator)
    return tensor
