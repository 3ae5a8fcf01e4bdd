import torch


def softmax_cross_entropy(logits, targets):
    m = logits.max(dim=0, keepdim=True).values
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=0, keepdim=True))
    return -log_probs[torch.arange(logits.shape[0]), targets].mean()
