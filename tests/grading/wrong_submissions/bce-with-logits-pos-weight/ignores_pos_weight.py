import torch


def bce_with_logits(logits, targets, pos_weight=None):
    max_val = (-logits).clamp(min=0)
    loss = (1 - targets) * logits + max_val + torch.log(torch.exp(-max_val) + torch.exp(-logits - max_val))
    return loss.mean()
