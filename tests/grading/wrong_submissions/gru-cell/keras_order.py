import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    xz, xr, xn = (x @ w_ih.T + b_ih).chunk(3, dim=1)
    hz, hr, hn = (h @ w_hh.T + b_hh).chunk(3, dim=1)
    z = torch.sigmoid(xz + hz)
    r = torch.sigmoid(xr + hr)
    n = torch.tanh(xn + r * hn)
    return (1 - z) * n + z * h
