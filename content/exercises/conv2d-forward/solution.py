import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d(x, w, b=None, stride=1, padding=0):
    """2-D cross-correlation as torch computes it (F.conv2d, groups=1, dilation=1).

    x: (N, C, H, W); w: (O, C, kH, kW); b: (O,) or None; stride, padding: int or (h, w).
    """
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    kh, kw = w.shape[2], w.shape[3]
    x = F.pad(x, (pw, pw, ph, ph))  # zeros on every side: (left, right, top, bottom)
    patches = x.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, oH, oW, kH, kW)
    y = torch.einsum("nchwij,ocij->nohw", patches, w)  # no kernel flip: cross-correlation
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return y
