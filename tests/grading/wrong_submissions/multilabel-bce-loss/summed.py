import torch
import torch.nn.functional as F


def multilabel_bce_loss(logits, targets):
    loss = torch.clamp(logits, min=0) - logits * targets + torch.log1p(torch.exp(-torch.abs(logits)))
    return loss.sum()
