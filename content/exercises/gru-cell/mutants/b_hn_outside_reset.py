import torch


def gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    """One step of nn.GRUCell. x: (N, I); h: (N, H); w_ih: (3H, I); w_hh: (3H, H);
    b_ih, b_hh: (3H,).  The three blocks are stacked in torch's order r, z, n."""
    gi = x @ w_ih.T + b_ih  # (N, 3H)
    gh = h @ w_hh.T
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    b_hr, b_hz, b_hn = b_hh.chunk(3)
    r, z = torch.sigmoid(i_r + h_r + b_hr), torch.sigmoid(i_z + h_z + b_hz)
    n = torch.tanh(i_n + r * h_n + b_hn)  # b_hn outside the reset
    return (1 - z) * n + z * h
