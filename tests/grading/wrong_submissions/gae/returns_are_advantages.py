import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    T = rewards.shape[0]
    adv = torch.zeros_like(rewards)
    gae_t = 0.0
    v = torch.cat([values, last_value.unsqueeze(0)], dim=0)
    for t in reversed(range(T)):
        m = (~dones[t]).float().to(rewards.dtype)
        delta = rewards[t] + gamma * v[t + 1] * m - v[t]
        gae_t = delta + gamma * lam * m * gae_t
        adv[t] = gae_t
    returns = adv
    return adv, returns
