import torch


def gae(rewards, values, last_value, dones, gamma=0.99, lam=0.95):
    T = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    running = 0
    for t in range(T - 1, -1, -1):
        v_next = last_value if t == T - 1 else values[t + 1]
        not_done = 1.0 - dones[t].to(values.dtype)
        td = rewards[t] + gamma * v_next - values[t]
        running = td + gamma * lam * not_done * running
        advantages[t] = running
    return advantages, advantages + values
