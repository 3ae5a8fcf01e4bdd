import torch


def standardize(train, test):
    mean = train.mean(dim=0)
    std = train.std(dim=0)
    return (train - mean) / std, (test - mean) / std
