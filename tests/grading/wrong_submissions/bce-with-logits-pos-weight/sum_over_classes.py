import torch


def bce_with_logits(logits, targets, pos_weight=None):
    common = torch.log1p(torch.exp(-logits.abs()))
    pos = torch.clamp(-logits, min=0) + common
    neg = torch.clamp(logits, min=0) + common
    p = 1.0 if pos_weight is None else pos_weight
    per_elem = p * targets * pos + (1 - targets) * neg
    return per_elem.sum(dim=-1).mean()
