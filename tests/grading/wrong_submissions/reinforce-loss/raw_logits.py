import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    logp_a = logits.gather(1, actions.unsqueeze(1)).squeeze(1)
    weight = returns if baseline is None else returns - baseline
    return -(logp_a * weight.detach()).mean()
