import torch


def bce_with_logits(logits, targets, pos_weight=None):
    common = torch.log1p(torch.exp(-logits.abs()))
    pos = (-logits).clamp(min=0) + common  # -log sigmoid(z)
    neg = logits.clamp(min=0) + common  # -log(1 - sigmoid(z))
    return (targets * pos + (1 - targets) * neg).mean()
