import torch


def attention(q, k, v, mask=None, is_causal=False):
    d = q.size(-1)
    scores = q @ k.transpose(-2, -1) / d
    if is_causal:
        causal = torch.tril(torch.ones(scores.shape[-2:], dtype=torch.bool))
        scores = scores.masked_fill(~causal, float("-inf"))
    if mask is not None:
        if mask.dtype == torch.bool:
            scores = scores.masked_fill(~mask, float("-inf"))
        else:
            scores = scores + mask
    return scores.softmax(-1) @ v
