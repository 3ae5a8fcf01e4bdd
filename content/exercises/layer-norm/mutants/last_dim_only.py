import torch


def layer_norm(x, normalized_shape, weight, bias, eps=1e-5):
    """Normalize over the trailing dimensions named by normalized_shape, then scale and shift.

    weight and bias have shape normalized_shape, or are None.
    """
    dims = (-1,)
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)  # biased: divide by n
    y = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y
