import torch


def memory_attention(u, m, c, hops=1):
    # Mistake: softmax as exp / sum without subtracting the max; overflows on large scores.
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)
        e = torch.exp(scores)
        p = e / e.sum(dim=-1, keepdim=True)
        o = (p.unsqueeze(-1) * c).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
