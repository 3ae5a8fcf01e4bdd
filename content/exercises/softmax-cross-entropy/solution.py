import torch


def softmax_cross_entropy(logits, targets):
    """Mean cross-entropy of softmax(logits) against integer class targets, stably."""
    m = logits.max(dim=1, keepdim=True).values
    log_sum_exp = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    target_logit = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    return (log_sum_exp - target_logit).mean()
