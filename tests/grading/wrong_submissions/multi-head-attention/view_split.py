import math

import torch


def self_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    B, L, E = x.shape
    hd = E // num_heads
    qkv = x @ in_proj_weight.T + in_proj_bias
    q, k, v = qkv.split(E, dim=-1)
    q = q.reshape(B, num_heads, L, hd)
    k = k.reshape(B, num_heads, L, hd)
    v = v.reshape(B, num_heads, L, hd)
    att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd), dim=-1)
    out = (att @ v).transpose(1, 2).reshape(B, L, E)
    return out @ out_proj_weight.T + out_proj_bias
