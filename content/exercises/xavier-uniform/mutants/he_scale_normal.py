import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    # Mistake (the learner's notes): a normal matrix scaled by sqrt(2 / fan_in), He's std.
    fan_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    with torch.no_grad():
        return tensor.normal_(0.0, gain * math.sqrt(2.0 / fan_in), generator=generator)
