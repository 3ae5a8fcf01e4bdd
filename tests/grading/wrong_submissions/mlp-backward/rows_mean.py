import torch


def mlp_backward(x, y, w1, b1, w2, b2):
    n = x.shape[0]
    h = torch.tanh(x @ w1.T + b1)
    out = h @ w2.T + b2
    err = out - y
    loss = (err ** 2).sum(dim=1).mean()
    d_out = 2 * err / n
    d_h = d_out @ w2
    d_a = d_h * (1 - h * h)
    return loss, d_a.T @ x, d_a.sum(0), d_out.T @ h, d_out.sum(0)
