import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    n, c = logits.shape
    m = logits.max(dim=1, keepdim=True).values
    logp = logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
    valid = targets != ignore_index
    y = targets.clone()
    y[~valid] = 0
    # smoothed target: 1 - eps on the right class, eps shared by the wrong ones
    q = torch.full_like(logp, label_smoothing / (c - 1))
    q[torch.arange(n), y] = 1 - label_smoothing
    w = torch.ones_like(logp[0]) if weight is None else weight
    per_row = -(q * w * logp).sum(dim=1)
    wy = w[y] * valid
    return (per_row * valid).sum() / wy.sum()
