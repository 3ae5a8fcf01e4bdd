import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    i, f, g, o = torch.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, h.shape[-1], dim=-1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * c_new
    return h_new, c_new
