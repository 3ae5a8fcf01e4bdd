import torch


def softmax_cross_entropy(logits, targets):
    z = logits - logits.max()
    log_probs = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    return -log_probs.gather(1, targets[:, None]).mean()
