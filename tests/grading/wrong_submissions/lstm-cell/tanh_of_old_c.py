import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    gates = torch.addmm(b_ih, x, w_ih.t()) + torch.addmm(b_hh, h, w_hh.t())
    i, f, g, o = gates.chunk(4, dim=1)
    h_next = torch.sigmoid(o) * torch.tanh(c)
    c_next = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return h_next, c_next
