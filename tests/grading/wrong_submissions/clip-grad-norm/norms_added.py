import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    total_norm = 0.0
    for g in grads:
        total_norm += g.norm(p=norm_type)
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for g in grads:
            g.mul_(clip_coef)
    return total_norm
