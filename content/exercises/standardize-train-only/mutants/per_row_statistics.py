import torch


def standardize(train, test):
    def rows(x):
        std, mean = torch.std_mean(x, dim=1, correction=0, keepdim=True)
        return (x - mean) / std

    return rows(train), rows(test)
