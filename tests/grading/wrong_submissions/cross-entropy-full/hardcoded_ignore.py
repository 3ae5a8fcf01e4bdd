import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    c = logits.shape[1]
    z = logits - logits.amax(dim=1, keepdim=True)
    logp = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    w = logits.new_ones(c) if weight is None else weight
    valid = targets != -100
    safe = targets.masked_fill(~valid, 0)
    w_y = w[safe] * valid
    nll = -(logp.gather(1, safe[:, None]).squeeze(1) * w_y).sum() / w_y.sum()
    smooth = -((logp * w).sum(dim=1) * valid).sum() / w_y.sum()
    return (1 - label_smoothing) * nll + label_smoothing / c * smooth
