import torch  # noqa: F401 - you will need it


def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    """Gradients of training-mode batch norm y = gamma * x_hat + beta with respect to x,
    gamma and beta, given dL/dy = grad_out.  x: (N, C) or (N, C, L); gamma: (C,).

    Returns (grad_x, grad_gamma, grad_beta), shaped like x, gamma and gamma.
    """
    raise NotImplementedError
