import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    n, c = logits.shape
    total = 0.0
    count = 0
    for i in range(n):
        y = int(targets[i])
        if y == ignore_index:
            continue
        row = logits[i] - logits[i].max()
        logp = row - torch.log(torch.exp(row).sum())
        w = 1.0 if weight is None else weight
        loss_i = -(1 - label_smoothing) * logp[y] - label_smoothing / c * logp.sum()
        if weight is not None:
            loss_i = -(1 - label_smoothing) * w[y] * logp[y] - label_smoothing / c * (w * logp).sum()
        total = total + loss_i
        count += 1
    return total / count
