def maxpool2d(x, kernel_size, stride=None):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kw, kh = kernel_size  # (width, height), like an image size
    if stride is None:
        stride = kernel_size
    if isinstance(stride, int):
        stride = (stride, stride)
    return x.unfold(2, kh, stride[0]).unfold(3, kw, stride[1]).amax(dim=(-2, -1))
