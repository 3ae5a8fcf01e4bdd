import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    if batch_first:
        x = x.permute(1, 0, 2)
    h = h0
    h_max = h0.clone()
    for xt in x:
        h = torch.tanh(xt @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh)
        h_max = torch.max(h_max, h)
    return h, h_max
