import torch


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training,
                      momentum=0.1, eps=1e-5):
    # mean and variance of each neuron over the batch, subtract the mean and scale by variance
    reduce = [0] if x.dim() == 2 else [0, 2]
    view = [1, -1] + [1] * (x.dim() - 2)
    if training:
        mu = x.mean(reduce)
        var = ((x - mu.view(view)) ** 2).mean(reduce)
        n = x.numel() / x.shape[1]
        running_mean.copy_((1 - momentum) * running_mean + momentum * mu)
        running_var.copy_((1 - momentum) * running_var + momentum * var * n / (n - 1))
    else:
        mu, var = running_mean, running_var
    scaled = (x - mu.view(view)) / var.view(view)
    return gamma.view(view) * scaled + beta.view(view)
