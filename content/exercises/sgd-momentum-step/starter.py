import torch  # noqa: F401 - you will need it


def sgd_momentum_step(param, grad, buf, lr, momentum=0.9, dampening=0.0, nesterov=False):
    """One step of torch.optim.SGD with momentum (weight_decay=0).

    buf is None on the very first step; afterwards it is the buffer you returned
    last time. Return (new_param, new_buf).
    """
    # TODO: the momentum buffer (first step: buf = grad)
    # TODO: the step direction (nesterov or not)
    raise NotImplementedError
