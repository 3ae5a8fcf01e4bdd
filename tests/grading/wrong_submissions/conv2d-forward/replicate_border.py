import torch.nn.functional as F


def conv2d(x, w, b=None, stride=1, padding=0):
    s = (stride, stride) if isinstance(stride, int) else tuple(stride)
    p = (padding, padding) if isinstance(padding, int) else tuple(padding)
    if p[0] or p[1]:
        x = F.pad(x, (p[1], p[1], p[0], p[0]), mode="replicate")
    n, _, h, wd = x.shape
    o, c, kh, kw = w.shape
    cols = F.unfold(x, (kh, kw), stride=s)  # (N, C*kh*kw, L)
    out = w.reshape(o, -1) @ cols
    oh, ow = (h - kh) // s[0] + 1, (wd - kw) // s[1] + 1
    out = out.reshape(n, o, oh, ow)
    return out if b is None else out + b[None, :, None, None]
