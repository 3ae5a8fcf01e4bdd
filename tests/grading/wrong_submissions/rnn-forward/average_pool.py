import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    if batch_first:
        x = x.transpose(0, 1)
    h = h0
    total = torch.zeros_like(h0)
    for t in range(x.shape[0]):
        h = torch.tanh(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        total = total + h
    return h, total / x.shape[0]
