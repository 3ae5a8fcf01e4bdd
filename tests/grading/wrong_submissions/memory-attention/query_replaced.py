import torch


def memory_attention(u, m, c, hops=1):
    q = u
    for _ in range(hops):
        p = torch.softmax(torch.bmm(m, q.unsqueeze(2)).squeeze(2), dim=1)
        o = torch.bmm(p.unsqueeze(1), c).squeeze(1)
        q = o
    return o, p
