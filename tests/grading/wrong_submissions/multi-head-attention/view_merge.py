import math


def self_attention(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    B, L, E = x.shape
    hd = E // num_heads
    q, k, v = (x @ in_proj_weight.T + in_proj_bias).chunk(3, dim=-1)
    q, k, v = [t.view(B, L, num_heads, hd).permute(0, 2, 1, 3) for t in (q, k, v)]
    att = (q @ k.transpose(-1, -2) / math.sqrt(hd)).softmax(dim=-1)
    out = (att @ v).reshape(B, L, E)
    return out @ out_proj_weight.T + out_proj_bias
