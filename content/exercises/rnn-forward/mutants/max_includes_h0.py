import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    # Mistake: the initial state h0 takes part in the max over time.
    if batch_first:
        x = x.transpose(0, 1)
    h = h0
    h_max = h0
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        h_max = torch.maximum(h_max, h)
    return h, h_max
