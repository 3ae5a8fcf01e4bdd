import torch


def bce_with_logits(logits, targets, pos_weight=None):
    common = torch.log1p(torch.exp(-logits.abs()))
    pos = (-logits).clamp(min=0) + common  # -log sigmoid(z)
    neg = logits.clamp(min=0) + common  # -log(1 - sigmoid(z))
    p = 1.0 if pos_weight is None else pos_weight
    w = p * targets + (1 - targets)
    return (p * targets * pos + (1 - targets) * neg).sum() / w.sum()
