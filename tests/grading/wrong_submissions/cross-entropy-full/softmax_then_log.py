import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    c = logits.shape[1]
    probs = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    logp = torch.log(probs)
    w = torch.ones(c, dtype=logits.dtype, device=logits.device) if weight is None else weight
    valid = targets != ignore_index
    safe = torch.where(valid, targets, 0)
    wy = w[safe] * valid
    nll = -(logp.gather(1, safe.unsqueeze(1)).squeeze(1) * wy).sum() / wy.sum()
    smooth = -((logp * w).sum(1) * valid).sum() / wy.sum()
    return (1 - label_smoothing) * nll + label_smoothing / c * smooth
