import math

import torch


def xavier_uniform_(tensor, gain=1.0, generator=None):
    # Mistake (the learner's notes): normal, std sqrt(2 / second dimension), no receptive field.
    with torch.no_grad():
        return tensor.normal_(0.0, gain * math.sqrt(2.0 / tensor.shape[1]), generator=generator)
