import torch


def discounted_returns(rewards, dones, gamma=0.99):
    out = torch.zeros_like(rewards)
    g = torch.zeros_like(rewards[0])
    for t in range(rewards.shape[0] - 1, -1, -1):
        g = rewards[t] + gamma * g
        out[t] = g
        g = torch.where(dones[t], torch.zeros_like(g), g)
    return out
