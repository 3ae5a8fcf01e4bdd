import torch


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    pred = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        target = rewards + gamma * (~dones) * q_next_target.max(dim=1).values
    a = (pred - target).abs()
    return torch.where(a < 1, a ** 2, 2 * a - 1).mean()
