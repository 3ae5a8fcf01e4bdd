import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    z = logits - logits.amax(dim=1, keepdim=True)
    logp = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    n_classes = logits.shape[1]
    w = logits.new_ones(n_classes) if weight is None else weight
    valid = targets != ignore_index
    safe = targets.masked_fill(~valid, 0)
    # Mistake: 1 - eps on the true class, eps / (C - 1) on each other class.
    q = torch.full_like(logp, label_smoothing / (n_classes - 1))
    q.scatter_(1, safe[:, None], 1 - label_smoothing)
    w_y = w[safe] * valid
    per_row = -(q * logp * w).sum(dim=1) * valid
    return per_row.sum() / w_y.sum()
