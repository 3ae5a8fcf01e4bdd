import math  # noqa: F401 - you may need it

import torch  # noqa: F401 - you will need it


def self_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    """Multi-head self-attention as nn.MultiheadAttention(batch_first=True) computes it
    (no mask, no dropout).  x: (B, L, E); in_proj_weight: (3E, E) stacking W_q, W_k, W_v;
    in_proj_bias: (3E,); out_proj_weight: (E, E); out_proj_bias: (E,).

    Returns y: (B, L, E).
    """
    raise NotImplementedError
