import torch


def multilabel_bce_loss(logits, targets):
    log_p = torch.nn.functional.logsigmoid(logits)
    log_not_p = torch.nn.functional.logsigmoid(-logits)
    return (targets * log_p + (1 - targets) * log_not_p).mean()
