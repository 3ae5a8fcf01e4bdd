import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    advantages = torch.zeros(rewards.shape, dtype=torch.float32)
    adv = torch.zeros_like(last_value)
    next_value = last_value
    for t in reversed(range(rewards.shape[0])):
        mask = (~dones[t]).to(rewards.dtype)
        delta = rewards[t] + gamma * mask * next_value - values[t]
        adv = delta + gamma * lam * mask * adv
        advantages[t] = adv
        next_value = values[t]
    advantages = advantages.to(rewards.dtype)
    return advantages, advantages + values
