import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    T = rewards.shape[0]
    not_done = 1.0 - dones.to(rewards.dtype)
    next_values = torch.cat([values[1:], last_value.unsqueeze(0)], dim=0)
    deltas = rewards + gamma * not_done * next_values - values
    advantages = torch.zeros_like(rewards)
    advantages[T - 1] = deltas[T - 1]
    for t in range(T - 2, -1, -1):
        advantages[t] = deltas[t] + gamma * not_done[t] * advantages[t + 1]
    return advantages, advantages + values
