import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    probs = logits.exp() / logits.exp().sum(dim=1, keepdim=True)
    logp_a = torch.log(probs.gather(1, actions.unsqueeze(1)).squeeze(1))
    weight = returns if baseline is None else returns - baseline
    return -(logp_a * weight.detach()).mean()
