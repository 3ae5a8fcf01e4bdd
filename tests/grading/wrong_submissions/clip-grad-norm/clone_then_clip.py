import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    grads = [g.detach().clone() for g in grads]  # don't mess with the originals
    flat = torch.cat([g.flatten() for g in grads])
    total = torch.linalg.vector_norm(flat, norm_type)
    if total > max_norm:
        for g in grads:
            g.mul_(max_norm / (total + 1e-6))
    return total
