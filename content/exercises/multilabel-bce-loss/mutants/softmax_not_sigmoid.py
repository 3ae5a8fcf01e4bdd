import torch


def multilabel_bce_loss(logits, targets):
    # Mistake: softmax over the classes, as if exactly one label could be true.
    log_p = torch.log_softmax(logits, dim=-1)
    log_not_p = torch.log1p(-log_p.exp().clamp(max=1 - 1e-7))
    return -(targets * log_p + (1 - targets) * log_not_p).mean()
