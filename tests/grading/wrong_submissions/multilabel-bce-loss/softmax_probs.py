import torch


def multilabel_bce_loss(logits, targets):
    p = torch.softmax(logits, dim=1)
    loss = -(targets * torch.log(p) + (1 - targets) * torch.log(1 - p))
    return loss.mean()
