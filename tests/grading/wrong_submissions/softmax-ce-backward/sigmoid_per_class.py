import torch.nn.functional as F


def softmax_ce_backward(logits, targets):
    y = F.one_hot(targets, num_classes=logits.size(1)).type_as(logits)
    return (logits.sigmoid() - y) / logits.size(0)
