import math

import torch


def self_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    """Multi-head self-attention as nn.MultiheadAttention(batch_first=True) computes it
    (no mask, no dropout).  x: (B, L, E); in_proj_weight: (3E, E) stacking W_q, W_k, W_v;
    in_proj_bias: (3E,); out_proj_weight: (E, E); out_proj_bias: (E,)."""
    b, length, e = x.shape
    d = e // num_heads
    q, k, v = (x @ in_proj_weight.T + in_proj_bias).chunk(3, dim=-1)  # (B, L, E) each

    def split(t):  # (B, L, E) -> (B, heads, L, d): head h owns features h*d .. (h+1)*d - 1
        return t.reshape(b, length, num_heads, d).transpose(1, 2)

    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)  # scaled by the head size
    heads = torch.softmax(scores, dim=-1) @ v  # (B, heads, L, d)
    merged = heads.transpose(1, 2).reshape(b, length, e)  # back to (B, L, E)
    return merged
