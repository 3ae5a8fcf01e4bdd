import torch


def maxpool2d(x, kernel_size, stride=None):
    k = kernel_size if isinstance(kernel_size, tuple) else (kernel_size, kernel_size)
    s = k if stride is None else (stride if isinstance(stride, tuple) else (stride, stride))
    x = torch.nan_to_num(x)  # NaN would break the max
    return x.unfold(2, k[0], s[0]).unfold(3, k[1], s[1]).flatten(-2).max(dim=-1).values
