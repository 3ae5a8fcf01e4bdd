import torch
import torch.nn.functional as F


def bce_with_logits(logits, targets, pos_weight=None):
    w = 1.0 if pos_weight is None else pos_weight
    pos_term = targets * F.softplus(-logits)
    neg_term = w * (1 - targets) * F.softplus(logits)
    return (pos_term + neg_term).mean()
