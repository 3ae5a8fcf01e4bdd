import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    dev = q_values.device
    greedy = q_values.argmax(dim=1)
    explore = torch.rand(b, generator=generator, device=dev) < epsilon
    offset = torch.randint(1, a, (b,), generator=generator, device=dev) if a > 1 else 0
    return torch.where(explore, (greedy + offset) % a, greedy)
