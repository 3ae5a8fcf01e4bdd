import torch


def discounted_returns(rewards, dones, gamma=0.99):
    """G_t = r_t + gamma * G_(t+1), with G reset to 0 after every episode end.

    rewards: (T,) or (T, N) floats; dones: bool, same shape (dones[t] is True when
    the episode ended after step t). Returns G with the shape and dtype of rewards.
    """
    returns = torch.zeros_like(rewards)
    running = torch.zeros_like(rewards[0])
    for t in reversed(range(rewards.shape[0])):
        # No future reward flows across an episode boundary.
        running = rewards[t] + gamma * running * (~dones[t])
        returns[t] = running
    return returns
