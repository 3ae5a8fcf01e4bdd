import torch


def softmax_cross_entropy(logits, targets):
    m = logits.amax(dim=1, keepdim=True)
    log_probs = logits - m - torch.log(torch.exp(logits - m).sum(dim=1, keepdim=True))
    return -log_probs[torch.arange(logits.shape[0]), targets].sum()
