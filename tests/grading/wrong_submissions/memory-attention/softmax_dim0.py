import torch


def memory_attention(u, m, c, hops=1):
    for hop in range(hops):
        scores = torch.einsum("nsd,nd->ns", m, u)
        p = torch.softmax(scores, dim=0)
        o = torch.einsum("ns,nsd->nd", p, c)
        if hop + 1 < hops:
            u = u + o
    return o, p
