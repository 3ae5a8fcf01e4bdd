import torch


def softmax_ce_backward(logits, targets):
    p = torch.softmax(logits, dim=1)
    y = torch.zeros_like(p)
    y[torch.arange(len(targets)), targets] = 1
    return (p - y) / p.numel()  # the loss is a mean, so divide by the number of entries
