import torch  # noqa: F401 - you will need it


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    """A one-layer tanh Elman RNN, as torch.nn.RNN computes it.

    x: (T, N, D), or (N, T, D) when batch_first; h0: (N, H); w_ih: (H, D);
    w_hh: (H, H); b_ih, b_hh: (H,).
    Returns (h_last, h_max): the hidden state after the last step and the
    element-wise maximum of h_1..h_T over time, both of shape (N, H).
    """
    # TODO: loop over time, h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)
    # TODO: keep the running element-wise maximum
    raise NotImplementedError
