import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    # a stable log-softmax: shift every row by its maximum
    z = logits - logits.amax(dim=1, keepdim=True)
    logp = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    n_classes = logits.shape[1]
    w = logits.new_ones(n_classes) if weight is None else weight
    valid = targets != ignore_index
    safe = targets.masked_fill(~valid, 0)
    w_y = w[safe] * valid
    denom = w_y.sum()
    nll = -(logp.gather(1, safe[:, None]).squeeze(1) * w_y).sum() / denom
    if label_smoothing == 0:
        return nll
    smooth = -(logp.sum(dim=1) * w_y).sum() / denom
    return (1 - label_smoothing) * nll + label_smoothing / n_classes * smooth
