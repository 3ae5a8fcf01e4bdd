import math
import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in = tensor.size(1) * math.prod(tensor.shape[2:])
    with torch.no_grad():
        tensor.copy_(torch.randn(tensor.shape, generator=generator, dtype=tensor.dtype)
                     * gain * math.sqrt(2 / fan_in))
    return tensor
