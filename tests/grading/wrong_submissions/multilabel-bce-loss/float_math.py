import torch


def multilabel_bce_loss(logits, targets):
    z = logits.float()
    y = targets.float()
    per = z.clamp(min=0) - z * y + torch.log1p(torch.exp(-z.abs()))
    return per.mean().to(logits.dtype)
