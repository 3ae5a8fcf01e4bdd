import torch


def q_learning_update(q, s, a, r, s_next, done, alpha=0.1, gamma=0.99):
    new_q = q.clone()
    best = torch.max(q[s])
    target = r + (0.0 if done else gamma * best)
    new_q[s, a] = q[s, a] + alpha * (target - q[s, a])
    return new_q
