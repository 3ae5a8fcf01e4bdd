def maxpool2d(x, kernel_size, stride=None):
    k = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    s = k if stride is None else ((stride, stride) if isinstance(stride, int) else stride)
    win = x.unfold(2, k[0], s[0]).unfold(3, k[1], s[1])
    return win.mean(dim=(-1, -2))
