import torch


def softmax_cross_entropy(logits, targets):
    # Mistake: one max over the whole batch instead of one per row.
    m = logits.max()
    log_sum_exp = m + torch.log(torch.exp(logits - m).sum(dim=1))
    target_logit = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    return (log_sum_exp - target_logit).mean()
