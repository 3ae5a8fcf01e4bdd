import torch


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, batch_first=False):
    if batch_first:
        x = x.transpose(0, 1)
    h = h0
    states = []
    for t in range(x.shape[0]):
        h = torch.relu(x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh)
        states.append(h)
    return h, torch.stack(states, 0).amax(0)
