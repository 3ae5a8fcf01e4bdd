import torch  # noqa: F401


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    """Batch norm over (N, C) or (N, C, L); updates the running buffers in place in training."""
    raise NotImplementedError
