def running_var_mean(batches):
    count, mean, m2 = 0, 0.0, 0.0
    for batch in batches:
        nb = batch.shape[0]
        batch_mean = batch.mean(0)
        batch_m2 = ((batch - batch_mean) ** 2).sum(0)
        new_count = count + nb
        mean = mean + (batch_mean - mean) * nb / new_count
        m2 = m2 + batch_m2
        count = new_count
    return m2 / (count - 1), mean
