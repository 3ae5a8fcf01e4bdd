import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    log_probs = torch.log_softmax(logits, dim=-1)
    chosen = log_probs[torch.arange(len(actions)), actions]
    adv = returns.detach() if baseline is None else (returns - baseline).detach()
    return (chosen * adv).mean()
