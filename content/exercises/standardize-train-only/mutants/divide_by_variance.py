def standardize(train, test):
    mean = train.mean(dim=0)
    var = train.var(dim=0, correction=0)
    return (train - mean) / var, (test - mean) / var
