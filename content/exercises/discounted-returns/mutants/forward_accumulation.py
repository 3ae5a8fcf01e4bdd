import torch


def discounted_returns(rewards, dones, gamma=0.99):
    # Mistake: accumulates forwards in time (discounted past rewards, not future ones).
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in range(rewards.shape[0]):
        running = rewards[t] + gamma * running
        returns[t] = running
        running = running * (~dones[t])
    return returns
