import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    if training:
        mean = x.mean(dim=dims)
        std = x.std(dim=dims, unbiased=False)
        n = x.numel() // x.shape[1]
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(momentum * mean)
            running_var.mul_(1 - momentum).add_(momentum * std ** 2 * n / (n - 1))
    else:
        mean, std = running_mean, running_var.sqrt()
    return gamma.reshape(shape) * (x - mean.reshape(shape)) / (std.reshape(shape) + eps) + beta.reshape(shape)
