import torch


def softmax_cross_entropy(logits, targets):
    m = logits.max(dim=1, keepdim=True).values
    lse = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))
    target_logit = logits.gather(1, targets.unsqueeze(1)).squeeze(1)
    return (target_logit - lse).mean()
