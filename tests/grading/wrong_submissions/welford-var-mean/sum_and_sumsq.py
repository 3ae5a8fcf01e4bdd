def running_var_mean(batches):
    n = 0
    s = 0.0
    sq = 0.0
    for b in batches:
        n += b.shape[0]
        s = s + b.sum(dim=0)
        sq = sq + (b * b).sum(dim=0)
    mean = s / n
    var = (sq - n * mean * mean) / (n - 1)
    return var, mean
