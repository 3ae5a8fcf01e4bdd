import torch


def layer_norm(x, normalized_shape, weight, bias, eps=1e-5):
    dims = tuple(range(-len(normalized_shape), 0))
    m1 = x.mean(dims, keepdim=True)
    m2 = x.pow(2).mean(dims, keepdim=True)
    y = (x - m1) / torch.sqrt(m2 - m1.pow(2) + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
