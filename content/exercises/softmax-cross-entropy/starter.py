import torch


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of softmax(logits) against integer class targets.

    logits: (N, C) float; targets: (N,) int64 class indices. Returns a 0-d tensor.
    This version is right on small logits and returns nan or inf on large ones. Fix it.
    """
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    rows = torch.arange(logits.shape[0], device=logits.device)
    return -torch.log(probs[rows, targets]).mean()
