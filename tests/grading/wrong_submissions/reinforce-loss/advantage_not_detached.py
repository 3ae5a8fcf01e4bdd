import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    log_pi = torch.log_softmax(logits, dim=1)
    log_pi_a = log_pi[torch.arange(logits.shape[0]), actions]
    if baseline is None:
        advantage = returns
    else:
        advantage = returns - baseline
    return -torch.mean(log_pi_a * advantage)
