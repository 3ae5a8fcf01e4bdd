import torch


def memory_attention(u, m, c, hops=1):
    for k in range(hops):
        p = torch.softmax((m @ u.unsqueeze(-1)).squeeze(-1), dim=-1)
        o = (p.unsqueeze(-1) * m).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
