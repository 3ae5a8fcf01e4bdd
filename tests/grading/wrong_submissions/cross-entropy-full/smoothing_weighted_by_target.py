import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    n, c = logits.shape
    z = logits - logits.max(dim=1, keepdim=True).values
    logp = z - z.exp().sum(1, keepdim=True).log()
    keep = targets != ignore_index
    t = targets.masked_fill(~keep, 0)
    onehot = torch.nn.functional.one_hot(t, c).to(logp.dtype)
    q = (1 - label_smoothing) * onehot + label_smoothing / c
    w = logp.new_ones(c) if weight is None else weight
    wy = w[t] * keep
    # each row weighted by the weight of its class
    return (-(q * logp).sum(1) * wy).sum() / wy.sum()
