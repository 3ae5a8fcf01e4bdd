import torch  # noqa: F401 - you may need it


def maxpool2d(x, kernel_size, stride=None):
    """Max pooling over (N, C, H, W) as F.max_pool2d computes it (no padding, floor mode).

    kernel_size, stride: int or (h, w); stride=None means stride = kernel_size.
    """
    raise NotImplementedError
