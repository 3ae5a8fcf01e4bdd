import torch


def memory_attention(u, m, c, hops=1):
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)
        w = torch.exp(scores)
        p = w / w.sum(dim=1, keepdim=True)
        o = (p.unsqueeze(-1) * c).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
