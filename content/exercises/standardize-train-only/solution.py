import torch


def standardize(train, test):
    """Standardize every feature (column) to mean 0 and std 1.

    train: (N, D), test: (M, D). Returns (train_z, test_z).
    """
    # Fit on the training rows only (biased std, like StandardScaler), apply to both sets.
    std, mean = torch.std_mean(train, dim=0, correction=0)
    return (train - mean) / std, (test - mean) / std
