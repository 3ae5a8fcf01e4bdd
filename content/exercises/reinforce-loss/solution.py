"""The REINFORCE surrogate loss: -mean(log pi(a|s) * (G - b)), G and b constant."""

import torch.nn.functional as F


def reinforce_loss(logits, actions, returns, baseline=None):
    logp = F.log_softmax(logits, dim=1).gather(1, actions.unsqueeze(1)).squeeze(1)
    weight = returns if baseline is None else returns - baseline
    # returns and baseline are constants here: no gradient flows into them
    return -(logp * weight.detach()).mean()
