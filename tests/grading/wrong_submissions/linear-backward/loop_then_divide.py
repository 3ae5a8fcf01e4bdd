import torch


def linear_backward(x, w, b, grad_out):
    g = grad_out.reshape(-1, w.shape[0])
    xs = x.reshape(-1, w.shape[1])
    grad_w = torch.zeros_like(w)
    grad_b = torch.zeros_like(b)
    for n in range(g.shape[0]):
        grad_w += torch.outer(g[n], xs[n])
        grad_b += g[n]
    count = g.shape[0]
    return grad_out @ w, grad_w / count, grad_b / count
