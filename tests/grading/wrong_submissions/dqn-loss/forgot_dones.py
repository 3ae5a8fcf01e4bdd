import torch


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    pred = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    target = (rewards + gamma * q_next_target.max(dim=1).values).detach()
    err = pred - target
    return torch.where(err.abs() < 1, 0.5 * err * err, err.abs() - 0.5).mean()
