import torch


def multilabel_bce_loss(logits, targets):
    # Mistake: the textbook formula on probabilities; log(0) for large |logits|.
    p = torch.sigmoid(logits)
    return -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p)).mean()
