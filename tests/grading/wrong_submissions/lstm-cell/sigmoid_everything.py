import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = torch.sigmoid(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh)  # all four gates
    i, f, g, o = gates.chunk(4, 1)
    c2 = f * c + i * g
    return o * torch.tanh(c2), c2
