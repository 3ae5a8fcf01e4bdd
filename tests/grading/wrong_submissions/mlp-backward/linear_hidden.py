import torch


def mlp_backward(x, y, w1, b1, w2, b2):
    h = torch.tanh(x @ w1.T + b1)
    pred = h @ w2.T + b2
    loss = ((pred - y) ** 2).mean()
    d_pred = 2 * (pred - y) / pred.numel()
    d_hidden = d_pred @ w2  # straight back to the first layer
    return loss, d_hidden.T @ x, d_hidden.sum(0), d_pred.T @ h, d_pred.sum(0)
