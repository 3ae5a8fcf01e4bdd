import torch
import torch.nn.functional as F


def bce_with_logits(logits, targets, pos_weight=None):
    # -log sigmoid(z) and -log(1 - sigmoid(z)) in a stable form
    loss = targets * F.softplus(-logits) + (1 - targets) * F.softplus(logits)
    if pos_weight is not None:
        loss = loss * pos_weight
    return loss.mean()
