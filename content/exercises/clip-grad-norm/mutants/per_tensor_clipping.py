import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total = torch.linalg.vector_norm(norms, norm_type)
    for g, n in zip(grads, norms, strict=True):
        g.mul_(torch.clamp(max_norm / (n + 1e-6), max=1.0))
    return total
