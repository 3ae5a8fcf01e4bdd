import torch


def cross_entropy(logits, targets, weight=None, ignore_index=-100, label_smoothing=0.0):
    c = logits.shape[1]
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    mask = (targets != ignore_index).to(logits.dtype)
    idx = torch.where(targets == ignore_index, torch.zeros_like(targets), targets)
    w = torch.ones(c, dtype=logits.dtype, device=logits.device) if weight is None else weight
    nll = -log_probs[torch.arange(len(idx)), idx] * w[idx] * mask
    smooth = -(log_probs * w).sum(dim=1) * mask
    losses = (1 - label_smoothing) * nll + label_smoothing / c * smooth
    if weight is None:
        return losses.mean()
    return losses.sum() / (w[idx] * mask).sum()
