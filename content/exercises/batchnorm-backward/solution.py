import torch


def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    """Gradients of training-mode batch norm y = gamma * x_hat + beta with respect to x,
    gamma and beta, given dL/dy = grad_out.  x: (N, C) or (N, C, L); gamma: (C,)."""
    dims = (0,) if x.dim() == 2 else (0, 2)  # every axis except the channel axis
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)
    inv_std = 1 / torch.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    grad_beta = grad_out.sum(dim=dims)
    grad_gamma = (grad_out * x_hat).sum(dim=dims)
    # three paths from x: directly, through the mean, through the variance
    grad_x = gamma.reshape(shape) * inv_std * (
        grad_out - grad_out.mean(dim=dims, keepdim=True)
        - x_hat * (grad_out * x_hat).mean(dim=dims, keepdim=True))
    return grad_x, grad_gamma, grad_beta
