import torch


def memory_attention(u, m, c, hops=1):
    # Mistake: scores scaled by 1/sqrt(d) as in Transformer attention.
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1) / u.shape[-1] ** 0.5
        p = torch.softmax(scores, dim=-1)
        o = (p.unsqueeze(-1) * c).sum(dim=1)
        if k < hops - 1:
            u = u + o
    return o, p
