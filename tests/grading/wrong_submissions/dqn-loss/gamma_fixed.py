import torch

GAMMA = 0.99


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    pred = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        target = rewards + GAMMA * (~dones) * q_next_target.max(dim=1).values
    delta = pred - target
    return torch.where(delta.abs() < 1, 0.5 * delta ** 2, delta.abs() - 0.5).mean()
