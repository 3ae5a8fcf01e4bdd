import math, torch
def xavier_uniform_(tensor, gain=1.0, generator=None):
    with torch.no_grad():
        tensor.normal_(0, gain * math.sqrt(2 / tensor.shape[1]), generator=generator)
    return tensor
