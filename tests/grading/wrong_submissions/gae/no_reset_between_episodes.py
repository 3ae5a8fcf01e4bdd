import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last_adv = torch.zeros_like(last_value)
    for t in reversed(range(T)):
        next_v = last_value if t == T - 1 else values[t + 1]
        nonterminal = (~dones[t]).to(rewards.dtype)
        delta = rewards[t] + gamma * next_v * nonterminal - values[t]
        last_adv = delta + gamma * lam * last_adv
        advantages[t] = last_adv
    return advantages, advantages + values
