import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    dev = q_values.device
    greedy = q_values.argmax(dim=1)
    explore = torch.rand(b, generator=generator, device=dev) > epsilon
    random_actions = torch.randint(0, a, (b,), generator=generator, device=dev)
    return torch.where(explore, random_actions, greedy)
