import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    total = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type)
    scale = max_norm / (total + 1e-6)
    for g in grads:
        g.mul_(scale)
    return total
