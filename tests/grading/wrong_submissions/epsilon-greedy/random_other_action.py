import torch


def epsilon_greedy(q_values, epsilon, generator):
    n, num_actions = q_values.shape
    best = q_values.argmax(dim=1)
    coin = torch.rand(n, generator=generator, device=q_values.device)
    # explore: a random action that is not the best one
    shift = torch.randint(1, num_actions, (n,), generator=generator, device=q_values.device)
    other = (best + shift) % num_actions
    return torch.where(coin < epsilon, other, best)
