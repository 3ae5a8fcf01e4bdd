import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    if x.dim() == 3:
        flat = x.transpose(1, 2).reshape(-1, x.shape[1])
    else:
        flat = x
    if training:
        mean = flat.mean(0)
        var = flat.var(0, unbiased=False)
        with torch.no_grad():
            running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
            running_var.mul_(1 - momentum).add_(flat.var(0, unbiased=True), alpha=momentum)
    else:
        mean, var = running_mean, running_var
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    y = (x - mean.reshape(shape)) / (var + eps).reshape(shape)
    return gamma.reshape(shape) * y + beta.reshape(shape)
