import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    norms = []
    for g in grads:
        n = g.norm(norm_type)
        norms.append(n)
        if n > max_norm:
            g.mul_(max_norm / (n + 1e-6))
    return torch.stack(norms).norm(norm_type)
