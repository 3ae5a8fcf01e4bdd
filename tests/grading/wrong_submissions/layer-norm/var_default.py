import torch


def layer_norm(x, normalized_shape, weight, bias, eps=1e-5):
    dims = [-(i + 1) for i in range(len(normalized_shape))]
    mu = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, keepdim=True)
    out = (x - mu) / torch.sqrt(var + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out
