import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    if training:
        mean = x.mean(dim=0)
        var = x.var(dim=0, unbiased=False)
        n = x.shape[0]
        with torch.no_grad():
            stat_mean = mean if x.dim() == 2 else mean.mean(dim=-1)
            stat_var = var if x.dim() == 2 else var.mean(dim=-1)
            running_mean.mul_(1 - momentum).add_(momentum * stat_mean)
            running_var.mul_(1 - momentum).add_(momentum * stat_var * n / (n - 1))
    else:
        mean, var = running_mean.reshape(shape[1:]), running_var.reshape(shape[1:])
    x_hat = (x - mean) / torch.sqrt(var + eps)
    return gamma.reshape(shape) * x_hat + beta.reshape(shape)
