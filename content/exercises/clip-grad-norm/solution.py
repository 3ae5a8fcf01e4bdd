"""Clip a list of gradients in place by their global norm; return that norm."""

import torch


def clip_grad_norm_(grads, max_norm, norm_type=2.0):
    # the norm of all gradients as one vector: the norm of the per-tensor norms
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total = torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total + 1e-6), max=1.0)  # only ever shrink
    for g in grads:
        g.mul_(coef)  # in place: the caller's tensors are the ones clipped
    return total
