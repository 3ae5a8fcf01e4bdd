import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    b = b_ih + b_hh  # one bias is enough
    gi = x @ w_ih.T + b
    gh = h @ w_hh.T
    r = torch.sigmoid(gi.chunk(3, 1)[0] + gh.chunk(3, 1)[0])
    z = torch.sigmoid(gi.chunk(3, 1)[1] + gh.chunk(3, 1)[1])
    n = torch.tanh(gi.chunk(3, 1)[2] + r * gh.chunk(3, 1)[2])
    return (1 - z) * n + z * h
