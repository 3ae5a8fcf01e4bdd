import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    if training:
        mean = x.mean(dim=dims)
        var = x.var(dim=dims, unbiased=False)
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))
    else:
        mean, var = running_mean, running_var
    x_hat = (x - mean.reshape(shape)) / (var.reshape(shape) + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape)
