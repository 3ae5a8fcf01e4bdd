import torch


def memory_attention(u, m, c, hops=1):
    """Soft attention over memory slots (end-to-end memory network read), `hops` times.

    u: (N, d) query; m: (N, S, d) input memories; c: (N, S, d) output memories.
    Returns (o, p) of the last hop: o (N, d), p (N, S).
    """
    for k in range(hops):
        scores = (m @ u.unsqueeze(-1)).squeeze(-1)  # (N, S): u . m_i
        scores = scores - scores.max(dim=-1, keepdim=True).values
        e = torch.exp(scores)
        p = e / e.sum(dim=-1, keepdim=True)
        o = (p.unsqueeze(-1) * c).sum(dim=1)  # (N, d)
        if k < hops - 1:
            u = u + o
    return o, p
