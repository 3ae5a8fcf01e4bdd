import torch  # noqa: F401 - you will need it


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D cross-correlation as torch computes it (F.conv2d, groups=1, dilation=1).

    x: (N, C, H, W); w: (O, C, kH, kW); b: (O,) or None; stride, padding: int or (h, w).
    Returns y: (N, O, H_out, W_out).
    """
    raise NotImplementedError
