import torch


def mlp_backward(x, y, w1, b1, w2, b2):
    a = x @ w1.T + b1
    h = torch.tanh(a)
    pred = h @ w2.T + b2
    loss = ((pred - y) ** 2).mean()
    d_pred = 2 * (pred - y) / pred.numel()
    d_a = (d_pred @ w2) * (1 - a ** 2)  # tanh' = 1 - x^2
    return loss, d_a.T @ x, d_a.sum(0), d_pred.T @ h, d_pred.sum(0)
