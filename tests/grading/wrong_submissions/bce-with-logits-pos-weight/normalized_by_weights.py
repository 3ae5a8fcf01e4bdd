import torch
import torch.nn.functional as F


def bce_with_logits(logits, targets, pos_weight=None):
    if pos_weight is None:
        pos_weight = torch.ones_like(logits)
    element_weight = pos_weight * targets + (1 - targets)
    losses = pos_weight * targets * F.softplus(-logits) + (1 - targets) * F.softplus(logits)
    return losses.sum() / element_weight.sum()
