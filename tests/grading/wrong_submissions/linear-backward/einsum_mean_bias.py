import torch


def linear_backward(x, w, b, grad_out):
    g = grad_out.reshape(-1, grad_out.shape[-1])
    xs = x.reshape(-1, x.shape[-1])
    grad_x = torch.einsum("...o,oi->...i", grad_out, w)
    grad_w = torch.einsum("no,ni->oi", g, xs)
    grad_b = torch.mean(g, dim=0)  # the bias gradient is the average over the batch
    return grad_x, grad_w, grad_b
