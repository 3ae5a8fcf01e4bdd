import torch


def bce_with_logits(logits, targets, pos_weight=None):
    s = torch.sigmoid(logits)
    pos, neg = -torch.log(s), -torch.log(1 - s)
    p = 1.0 if pos_weight is None else pos_weight
    return (p * targets * pos + (1 - targets) * neg).mean()
