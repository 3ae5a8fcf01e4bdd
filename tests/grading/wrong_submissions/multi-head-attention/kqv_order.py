import math

import torch


def self_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    B, L, E = x.shape
    d = E // num_heads
    k, q, v = (x @ in_proj_weight.T + in_proj_bias).chunk(3, dim=-1)
    q, k, v = (t.reshape(B, L, num_heads, d).transpose(1, 2) for t in (q, k, v))
    att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d), dim=-1)
    out = (att @ v).transpose(1, 2).reshape(B, L, E)
    return out @ out_proj_weight.T + out_proj_bias
