import torch


def multilabel_bce_loss(logits, targets):
    per = logits.clamp(min=0) - logits * targets + torch.log1p(torch.exp(-logits.abs()))
    return per.sum(dim=1).mean()
