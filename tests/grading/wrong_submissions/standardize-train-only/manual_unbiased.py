import torch


def standardize(train, test):
    n = train.shape[0]
    mean = train.sum(dim=0) / n
    std = torch.sqrt(((train - mean) ** 2).sum(dim=0) / (n - 1))
    return (train - mean) / std, (test - mean) / std
