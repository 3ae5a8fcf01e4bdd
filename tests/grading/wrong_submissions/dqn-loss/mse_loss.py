import torch


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    pred = q.gather(1, actions.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        target = rewards + gamma * (~dones) * q_next_target.max(dim=1).values
    return ((pred - target) ** 2).mean()
