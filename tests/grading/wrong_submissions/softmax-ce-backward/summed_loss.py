import torch
import torch.nn.functional as F


def softmax_ce_backward(logits, targets):
    probs = torch.softmax(logits, dim=-1)
    return probs - F.one_hot(targets, logits.shape[-1]).to(logits.dtype)
