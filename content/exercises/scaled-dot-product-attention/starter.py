import math  # noqa: F401 - you may need it

import torch  # noqa: F401 - you will need it


def attention(q, k, v, mask=None, is_causal=False):
    """softmax(q k^T / sqrt(E) + mask) v, as F.scaled_dot_product_attention computes it.

    q: (..., L, E); k: (..., S, E); v: (..., S, Ev).  mask: None, a bool tensor (True =
    may attend) or a float tensor added to the scores, broadcastable to (..., L, S).
    is_causal: position i attends to positions j <= i (L == S).
    """
    raise NotImplementedError
