def reinforce_loss(logits, actions, returns, baseline=None):
    logp = logits.gather(1, actions.unsqueeze(1)).squeeze(1)
    weight = returns if baseline is None else returns - baseline
    return -(logp * weight.detach()).mean()
