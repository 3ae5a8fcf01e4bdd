def running_var_mean(batches):
    n, s, sq = 0, 0.0, 0.0
    for b in batches:
        n += b.shape[0]
        s = s + b.sum(dim=0)
        sq = sq + (b * b).sum(dim=0)
    return (sq - s * s / n) / (n - 1), s / n
