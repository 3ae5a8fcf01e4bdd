import torch


def bce_with_logits(logits, targets, pos_weight=None):
    p = torch.sigmoid(logits)
    if pos_weight is None:
        pos_weight = torch.ones(1, dtype=logits.dtype, device=logits.device)
    loss = -(pos_weight * targets * torch.log(p) + (1 - targets) * torch.log(1 - p))
    return loss.mean()
