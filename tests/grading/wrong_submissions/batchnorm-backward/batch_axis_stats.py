import torch


def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    # statistics over the batch, one per feature
    mean = x.mean(0, keepdim=True)
    var = x.var(0, unbiased=False, keepdim=True)
    inv_std = 1 / torch.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    g = gamma.reshape(1, -1, *([1] * (x.dim() - 2)))
    grad_x = g * inv_std * (grad_out - grad_out.mean(0, keepdim=True)
                            - x_hat * (grad_out * x_hat).mean(0, keepdim=True))
    sum_dims = (0,) if x.dim() == 2 else (0, 2)
    return grad_x, (grad_out * x_hat).sum(sum_dims), grad_out.sum(sum_dims)
