import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    probs = torch.softmax(logits, dim=1)
    p_a = probs.gather(1, actions[:, None]).squeeze(1)
    if baseline is not None:
        returns = returns - baseline
    return -(p_a * returns.detach()).mean()
