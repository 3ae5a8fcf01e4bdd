import torch


def discounted_returns(rewards, dones, gamma=0.99):
    # Mistake: the reset happens after G_t is stored, one step too late.
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        running = rewards[t] + gamma * running
        returns[t] = running
        running = running * (~dones[t])
    return returns
