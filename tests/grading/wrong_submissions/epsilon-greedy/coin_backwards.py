import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    greedy = q_values.argmax(dim=1)
    r = torch.rand(b, generator=generator, device=q_values.device)
    rand_a = torch.randint(0, a, (b,), generator=generator, device=q_values.device)
    return torch.where(r > epsilon, rand_a, greedy)
