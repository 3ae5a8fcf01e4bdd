import torch

GAMMA = 0.99


def discounted_returns(rewards, dones, gamma=0.99):
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(len(rewards))):
        running = rewards[t] + GAMMA * running * (1 - dones[t].to(rewards.dtype))
        returns[t] = running
    return returns
