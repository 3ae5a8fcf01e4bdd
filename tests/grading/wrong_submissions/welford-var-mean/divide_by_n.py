def running_var_mean(batches):
    n, mean, m2 = 0, 0.0, 0.0
    for b in batches:
        nb = b.shape[0]
        mb = b.mean(dim=0)
        m2b = ((b - mb) ** 2).sum(dim=0)
        total = n + nb
        delta = mb - mean
        mean = mean + delta * nb / total
        m2 = m2 + m2b + delta ** 2 * n * nb / total
        n = total
    return m2 / n, mean
