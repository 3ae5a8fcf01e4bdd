import torch


def multilabel_bce_loss(logits, targets):
    # Mistake: summed over every element instead of averaged.
    per_element = logits.clamp(min=0) - logits * targets + torch.log1p(torch.exp(-logits.abs()))
    return per_element.sum()
