import torch


def discounted_returns(rewards, dones, gamma=0.99):
    # Mistake: the immediate reward is discounted too: G_t = gamma * (r_t + G_(t+1)).
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        running = gamma * (rewards[t] + running * (~dones[t]))
        returns[t] = running
    return returns
