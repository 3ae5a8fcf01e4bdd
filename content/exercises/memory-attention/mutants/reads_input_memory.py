import torch


def memory_attention(u, m, c, hops=1):
    # Mistake: reads out the input memories m instead of the output memories c.
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)
        p = torch.softmax(scores, dim=-1)
        o = (p.unsqueeze(-1) * m).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
