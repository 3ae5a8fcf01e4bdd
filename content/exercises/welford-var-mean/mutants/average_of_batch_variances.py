def running_var_mean(batches):
    n, s, var_sum = 0, 0.0, 0.0
    for b in batches:
        n += b.shape[0]
        s = s + b.sum(dim=0)
        mb = b.mean(dim=0)
        var_sum = var_sum + ((b - mb) ** 2).sum(dim=0) / (b.shape[0] - 1)
    return var_sum / len(batches), s / n
