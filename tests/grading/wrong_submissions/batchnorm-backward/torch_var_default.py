

def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    mean = x.mean(dims, keepdim=True)
    var = x.var(dims, keepdim=True)
    inv_std = 1.0 / (var + eps).sqrt()
    x_hat = (x - mean) * inv_std
    g_mean = grad_out.mean(dims, keepdim=True)
    gx_mean = (grad_out * x_hat).mean(dims, keepdim=True)
    grad_x = gamma.reshape(shape) * inv_std * (grad_out - g_mean - x_hat * gx_mean)
    return grad_x, (grad_out * x_hat).sum(dims), grad_out.sum(dims)
