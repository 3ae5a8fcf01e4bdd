import torch


def standardize(train, test):
    mean = train.mean(dim=1, keepdim=True)
    std = train.std(dim=1, keepdim=True, correction=0)
    return (train - mean) / std, (test - test.mean(dim=1, keepdim=True)) / test.std(dim=1, keepdim=True, correction=0)
