def layer_norm(x, normalized_shape, weight, bias, eps=1e-5):
    dims = tuple(range(x.dim() - len(normalized_shape), x.dim()))
    mean = x.mean(dims, keepdim=True)
    std = x.std(dims, unbiased=False, keepdim=True)
    y = (x - mean) / (std + eps)
    if weight is not None:
        y = weight * y
    if bias is not None:
        y = y + bias
    return y
