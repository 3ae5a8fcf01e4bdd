import torch


def dqn_loss(q, q_next_target, actions, rewards, dones, gamma=0.99):
    q_sa = q[torch.arange(q.shape[0]), actions]
    not_done = 1.0 - dones.float()
    y = rewards + gamma * not_done * q_next_target.max(dim=1)[0]
    diff = q_sa - y
    loss = torch.where(diff.abs() <= 1.0, 0.5 * diff.pow(2), diff.abs() - 0.5)
    return loss.mean()
