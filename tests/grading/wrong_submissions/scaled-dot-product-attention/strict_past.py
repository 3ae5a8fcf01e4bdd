import math

import torch


def attention(q, k, v, mask=None, is_causal=False):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if is_causal:
        L = q.shape[-2]
        blocked = torch.triu(torch.ones(L, L), diagonal=0).bool()  # no peeking
        scores = scores.masked_fill(blocked, float("-inf"))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask
    return torch.softmax(scores, dim=-1) @ v
