import torch


def softmax_ce_backward(logits, targets):
    """d/dlogits of F.cross_entropy(logits, targets) (reduction='mean').

    logits: (N, C) float; targets: (N,) int64 class indices.
    """
    z = logits - logits.max(dim=1, keepdim=True).values  # stable: the largest exponent is 0
    e = z.exp()
    p = e / e.sum(dim=1, keepdim=True)
    onehot = torch.zeros_like(p)
    onehot[torch.arange(logits.shape[0]), targets] = 1
    return (p - onehot) / logits.shape[0]
