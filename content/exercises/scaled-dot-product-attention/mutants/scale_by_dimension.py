
import torch


def attention(q, k, v, mask=None, is_causal=False):
    """softmax(q k^T / sqrt(E) + mask) v, as F.scaled_dot_product_attention computes it.

    q: (..., L, E); k: (..., S, E); v: (..., S, Ev).  mask: None, a bool tensor (True =
    may attend) or a float tensor added to the scores, broadcastable to (..., L, S).
    is_causal: position i attends to positions j <= i (L == S).
    """
    scores = q @ k.transpose(-2, -1) / q.shape[-1]
    if is_causal:
        allowed = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool, device=q.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))  # False = may not attend
        else:
            scores = scores + mask
    return torch.softmax(scores, dim=-1) @ v
