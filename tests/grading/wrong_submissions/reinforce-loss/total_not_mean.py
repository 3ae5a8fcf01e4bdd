import torch


def reinforce_loss(logits, actions, returns, baseline=None):
    log_pi = logits.log_softmax(dim=1)
    log_pi_a = log_pi.gather(1, actions.view(-1, 1)).view(-1)
    advantage = returns if baseline is None else returns - baseline
    loss = 0
    for i in range(len(actions)):
        loss = loss - log_pi_a[i] * advantage[i].detach()
    return loss
