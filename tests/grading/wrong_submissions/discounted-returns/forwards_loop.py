import torch


def discounted_returns(rewards, dones, gamma=0.99):
    returns = torch.zeros_like(rewards)
    acc = torch.zeros_like(rewards[0])
    for t in range(rewards.shape[0]):
        acc = gamma * acc + rewards[t]
        returns[t] = acc
        acc = acc * (~dones[t])
    return returns
