import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    greedy = torch.argmax(q_values, dim=1)
    explore = torch.rand(b, generator=generator, device=q_values.device) < epsilon
    random_actions = torch.randint(0, a - 1, (b,), generator=generator, device=q_values.device)
    return torch.where(explore, random_actions, greedy)
