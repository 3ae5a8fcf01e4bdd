import torch


def memory_attention(u, m, c, hops=1):
    scores = (m @ u.unsqueeze(-1)).squeeze(-1)
    p = torch.softmax(scores, dim=-1)
    o = (p.unsqueeze(-1) * c).sum(dim=1)
    return o, p
