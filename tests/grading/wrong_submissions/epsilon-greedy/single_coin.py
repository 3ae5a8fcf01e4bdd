import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    if torch.rand(1, generator=generator, device=q_values.device).item() < epsilon:
        return torch.randint(0, a, (b,), generator=generator, device=q_values.device)
    return q_values.argmax(dim=1)
