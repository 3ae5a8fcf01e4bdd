import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    if training:
        mean = torch.mean(x, dim=dims)
        var = torch.var(x, dim=dims)  # unbiased by default
        with torch.no_grad():
            running_mean[:] = (1 - momentum) * running_mean + momentum * mean
            running_var[:] = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
    return gamma.reshape(shape) * (x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps) + beta.reshape(shape)
