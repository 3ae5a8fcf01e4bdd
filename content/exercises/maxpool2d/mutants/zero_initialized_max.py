def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def maxpool2d(x, kernel_size, stride=None):
    """Max pooling over (N, C, H, W) as F.max_pool2d computes it (no padding, floor mode).

    kernel_size, stride: int or (h, w); stride=None means stride = kernel_size.
    """
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(kernel_size if stride is None else stride)
    windows = x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, H_out, W_out, kH, kW)
    best = windows.new_zeros(windows.shape[:4])  # running max starts at 0
    return best.maximum(windows.amax(dim=(-2, -1)))
