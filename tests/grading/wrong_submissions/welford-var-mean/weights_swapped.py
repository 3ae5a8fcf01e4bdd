def running_var_mean(batches):
    n = 0
    mean = 0.0
    m2 = 0.0
    for b in batches:
        nb = len(b)
        mb = b.mean(0)
        total = n + nb
        d = mb - mean
        m2 = m2 + ((b - mb) ** 2).sum(0) + d ** 2 * n * nb / total
        mean = (n * mb + nb * mean) / total  # weighted average of the two means
        n = total
    return m2 / (n - 1), mean
