import torch


def standardize(train, test):
    def own(x):
        std, mean = torch.std_mean(x, dim=0, correction=0)
        return (x - mean) / std

    return own(train), own(test)
