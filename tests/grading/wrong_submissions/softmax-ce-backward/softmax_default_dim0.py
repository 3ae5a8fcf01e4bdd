import torch
import torch.nn.functional as F


def softmax_ce_backward(logits, targets):
    p = F.softmax(logits, 0)
    y = torch.zeros_like(p).scatter_(1, targets.unsqueeze(1), 1.0)
    return (p - y) / logits.shape[0]
