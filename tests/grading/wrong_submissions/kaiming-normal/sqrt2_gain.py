import math
import torch


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    receptive = math.prod(tensor.shape[2:])
    fan = tensor.shape[1] * receptive if mode == "fan_in" else tensor.shape[0] * receptive
    std = math.sqrt(2.0 / fan)  # He init
    with torch.no_grad():
        tensor.normal_(0.0, std, generator=generator)
    return tensor
