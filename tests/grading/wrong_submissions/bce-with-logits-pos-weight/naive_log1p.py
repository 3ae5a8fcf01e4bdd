import torch


def bce_with_logits(logits, targets, pos_weight=None):
    # -log sigmoid(z) = log(1 + exp(-z)), -log(1 - sigmoid(z)) = log(1 + exp(z))
    pos = torch.log1p(torch.exp(-logits))
    neg = torch.log1p(torch.exp(logits))
    w = 1.0 if pos_weight is None else pos_weight
    return (w * targets * pos + (1 - targets) * neg).mean()
