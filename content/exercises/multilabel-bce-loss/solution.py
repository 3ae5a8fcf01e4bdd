import torch


def multilabel_bce_loss(logits, targets):
    """Mean binary cross-entropy of independent per-class sigmoids, from logits."""
    # -[y log s(z) + (1 - y) log(1 - s(z))] = max(z, 0) - z * y + log(1 + exp(-|z|))
    per_element = logits.clamp(min=0) - logits * targets + torch.log1p(torch.exp(-logits.abs()))
    return per_element.mean()
