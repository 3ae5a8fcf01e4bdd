import torch


def multilabel_bce_loss(logits, targets):
    p = 1 / (1 + torch.exp(-logits))
    return -(targets * p.log() + (1 - targets) * (1 - p).log()).mean()
