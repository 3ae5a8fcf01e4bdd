import torch


def memory_attention(u, m, c, hops=1):
    # Mistake: the softmax normalizes over the batch (dim 0), not over the slots.
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)
        p = torch.softmax(scores, dim=0)
        o = (p.unsqueeze(-1) * c).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
