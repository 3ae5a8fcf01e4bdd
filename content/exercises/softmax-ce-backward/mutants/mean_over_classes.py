import torch


def softmax_ce_backward(logits, targets):
    p = torch.softmax(logits, dim=1)
    p[torch.arange(logits.shape[0]), targets] -= 1
    return p / logits.numel()
