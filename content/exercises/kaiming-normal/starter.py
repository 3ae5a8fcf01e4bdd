import math  # noqa: F401 - you will need them

import torch  # noqa: F401


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """Fill `tensor` in place from N(0, std^2) with std = gain / sqrt(fan), as
    torch.nn.init.kaiming_normal_ does, and return it.

    Pass `generator` on to the sampling call so the grader can reproduce your draw.
    """
    # TODO: fan_in and fan_out (receptive field for conv weights)
    # TODO: the gain of the nonlinearity
    # TODO: fill the tensor in place
    raise NotImplementedError
