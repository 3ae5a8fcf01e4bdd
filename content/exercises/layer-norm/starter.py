import torch  # noqa: F401 - you will need it


def layer_norm(x, normalized_shape, weight, bias, eps=1e-5):
    """Normalize over the trailing dimensions named by normalized_shape, then scale and shift.

    weight and bias have shape normalized_shape, or are None.
    """
    raise NotImplementedError
