import torch


def mlp_backward(x, y, w1, b1, w2, b2):
    """Loss and gradients of F.mse_loss(tanh(x @ w1.T + b1) @ w2.T + b2, y).

    x: (N, D); y: (N, O); w1: (H, D); b1: (H,); w2: (O, H); b2: (O,).
    """
    h = torch.tanh(x @ w1.T + b1)
    pred = h @ w2.T + b2
    loss = ((pred - y) ** 2).mean()
    d_pred = (pred - y) / pred.numel()
    grad_w2 = d_pred.T @ h
    grad_b2 = d_pred.sum(dim=0)
    d_pre = (d_pred @ w2) * (1 - h**2)  # tanh'(a) = 1 - tanh(a)^2
    grad_w1 = d_pre.T @ x
    grad_b1 = d_pre.sum(dim=0)
    return loss, grad_w1, grad_b1, grad_w2, grad_b2
