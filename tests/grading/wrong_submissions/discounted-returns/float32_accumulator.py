import torch


def discounted_returns(rewards, dones, gamma=0.99):
    returns = torch.zeros(rewards.shape, dtype=torch.float32)
    running = torch.zeros(rewards.shape[1:], dtype=torch.float32)
    r = rewards.float()
    for t in reversed(range(rewards.shape[0])):
        running = r[t] + gamma * running * (~dones[t])
        returns[t] = running
    return returns.to(rewards.dtype)
