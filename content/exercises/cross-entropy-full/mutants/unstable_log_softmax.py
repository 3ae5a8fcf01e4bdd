import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    logp = logits - torch.log(torch.exp(logits).sum(dim=1, keepdim=True))
    n_classes = logits.shape[1]
    w = logits.new_ones(n_classes) if weight is None else weight
    valid = targets != ignore_index
    safe = targets.masked_fill(~valid, 0)
    w_y = w[safe] * valid
    denom = w_y.sum()
    nll = -(logp.gather(1, safe[:, None]).squeeze(1) * w_y).sum() / denom
    if label_smoothing == 0:
        return nll
    smooth = -((logp * w).sum(dim=1) * valid).sum() / denom
    return (1 - label_smoothing) * nll + label_smoothing / n_classes * smooth
