import torch


def epsilon_greedy(q_values, epsilon, generator):
    b, a = q_values.shape
    actions = q_values.argmax(dim=1).clone()
    explore = torch.rand(b) < epsilon
    actions[explore] = torch.randint(a, (int(explore.sum()),))
    return actions
