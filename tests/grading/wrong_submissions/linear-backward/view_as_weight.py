import torch


def linear_backward(x, w, b, grad_out):
    g = grad_out.reshape(-1, w.shape[0])
    xs = x.reshape(-1, w.shape[1])
    grad_w = torch.matmul(xs.t(), g).contiguous().view_as(w)
    return torch.matmul(grad_out, w), grad_w, g.sum(0)
