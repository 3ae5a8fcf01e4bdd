import torch


def discounted_returns(rewards, dones, gamma=0.99):
    G = torch.zeros_like(rewards)
    nxt = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        nxt = gamma * (rewards[t] + nxt * (~dones[t]))
        G[t] = nxt
    return G
