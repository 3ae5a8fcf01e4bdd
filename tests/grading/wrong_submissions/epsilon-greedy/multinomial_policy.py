import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    probs = torch.full((b, a), epsilon / a, dtype=torch.float64, device=q_values.device)
    probs[torch.arange(b), q_values.argmax(dim=1)] = 1 - epsilon
    return torch.multinomial(probs, 1, generator=generator).squeeze(1)
