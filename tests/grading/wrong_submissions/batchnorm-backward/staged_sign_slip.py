import torch


def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    m = x.numel() / x.shape[1]
    mu = x.mean(dims, keepdim=True)
    xc = x - mu
    var = (xc ** 2).mean(dims, keepdim=True)
    std = torch.sqrt(var + eps)
    x_hat = xc / std
    dx_hat = grad_out * gamma.reshape(shape)
    dvar = (dx_hat * xc).sum(dims, keepdim=True) * 0.5 * (var + eps) ** -1.5
    dmu = -(dx_hat / std).sum(dims, keepdim=True) + dvar * (-2.0 * xc).mean(dims, keepdim=True)
    grad_x = dx_hat / std + dvar * 2.0 * xc / m + dmu / m
    return grad_x, (grad_out * x_hat).sum(dims), grad_out.sum(dims)
