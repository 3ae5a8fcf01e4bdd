import math
import torch


def memory_attention(u, m, c, hops=1):
    d = u.shape[-1]
    for k in range(hops):
        s = (m * u[:, None, :]).sum(-1) / math.sqrt(d)
        p = s.softmax(-1)
        o = (p[:, :, None] * c).sum(1)
        if k < hops - 1:
            u = u + o
    return o, p
