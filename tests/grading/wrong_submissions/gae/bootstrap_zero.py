import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    adv = torch.zeros_like(last_value)
    next_value = torch.zeros_like(last_value)  # nothing after the rollout
    for t in reversed(range(T)):
        mask = 1.0 - dones[t].to(rewards.dtype)
        delta = rewards[t] + gamma * mask * next_value - values[t]
        adv = delta + gamma * lam * mask * adv
        advantages[t] = adv
        next_value = values[t]
    return advantages, advantages + values
