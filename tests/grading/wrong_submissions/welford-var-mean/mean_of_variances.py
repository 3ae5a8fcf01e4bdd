def running_var_mean(batches):
    n = 0
    mean = 0.0
    var_sum = 0.0
    k = 0
    for b in batches:
        nb = b.shape[0]
        mb = b.mean(dim=0)
        vb = ((b - mb) ** 2).sum(dim=0) / (nb - 1)
        mean = (mean * n + mb * nb) / (n + nb)
        n += nb
        var_sum = var_sum + vb
        k += 1
    return var_sum / k, mean
