import torch


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of nn.LSTMCell. x: (N, I); h, c: (N, H); w_ih: (4H, I); w_hh: (4H, H);
    b_ih, b_hh: (4H,).  The four gate blocks are stacked in torch's order i, f, g, o."""
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh  # (N, 4H)
    i, f, o, g = gates.chunk(4, dim=1)  # i, f, o, g order
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_next = f * c + i * g
    h_next = o * torch.tanh(c_next)
    return h_next, c_next
