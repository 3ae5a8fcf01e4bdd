import torch  # noqa: F401 - you will need it


def lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of nn.LSTMCell. x: (N, I); h, c: (N, H); w_ih: (4H, I); w_hh: (4H, H);
    b_ih, b_hh: (4H,).  The four gate blocks are stacked in torch's order i, f, g, o.

    Returns (h_next, c_next).
    """
    raise NotImplementedError
