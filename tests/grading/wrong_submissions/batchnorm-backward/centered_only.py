

def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    dims = (0,) if x.dim() == 2 else (0, 2)
    shape = (1, -1) if x.dim() == 2 else (1, -1, 1)
    m = x.numel() // x.shape[1]
    mean = x.sum(dims, keepdim=True) / m
    var = ((x - mean) ** 2).sum(dims, keepdim=True) / m
    inv_std = (var + eps).rsqrt()
    x_hat = (x - mean) * inv_std
    dx_hat = grad_out * gamma.reshape(shape)
    grad_x = inv_std * (dx_hat - dx_hat.sum(dims, keepdim=True) / m)
    return grad_x, (grad_out * x_hat).sum(dims), grad_out.sum(dims)
