import torch


def running_var_mean(batches):
    n = 0
    mean = None
    m2 = None
    for b in batches:
        for x in b:
            n += 1
            if mean is None:
                mean = torch.zeros_like(x)
                m2 = torch.zeros_like(x)
            delta = x - mean
            mean = mean + delta / n
            m2 = m2 + delta * (x - mean)
    return m2 / n, mean
