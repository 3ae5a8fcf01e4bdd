import torch  # noqa: F401


def epsilon_greedy(q_values, epsilon, generator):
    """Per row: a uniform random action with probability epsilon, else the argmax."""
    raise NotImplementedError
