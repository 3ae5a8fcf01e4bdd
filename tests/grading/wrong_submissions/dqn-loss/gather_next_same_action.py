import torch


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    idx = actions.unsqueeze(1)
    pred = q.gather(1, idx).squeeze(1)
    next_q = q_next_target.gather(1, idx).squeeze(1)
    target = (rewards + gamma * (1 - dones.to(q.dtype)) * next_q).detach()
    d = pred - target
    return torch.where(d.abs() < 1, 0.5 * d ** 2, d.abs() - 0.5).mean()
