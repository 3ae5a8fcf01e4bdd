import torch
import torch.nn.functional as F


def reinforce_loss(logits, actions, returns, baseline=None):
    logp = torch.log(F.softmax(logits, dim=1)).gather(1, actions.unsqueeze(1)).squeeze(1)
    weight = returns if baseline is None else returns - baseline
    return -(logp * weight.detach()).mean()
