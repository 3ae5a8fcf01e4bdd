import torch


def memory_attention(u, m, c, hops=1):
    # Mistake: the next hop's query is o alone; the residual u + o is lost.
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)
        p = torch.softmax(scores, dim=-1)
        o = (p.unsqueeze(-1) * c).sum(dim=1)
        if k < hops - 1:
            u = o
    return o, p
