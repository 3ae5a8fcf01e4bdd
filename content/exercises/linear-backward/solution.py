def linear_backward(x, w, b, grad_out):
    """Gradients of y = x @ w.T + b with respect to x, w and b, given dL/dy = grad_out.

    x: (..., in); w: (out, in); b: (out,); grad_out: (..., out).
    """
    g2 = grad_out.reshape(-1, w.shape[0])  # every leading dimension is just more rows
    x2 = x.reshape(-1, w.shape[1])
    grad_x = grad_out @ w
    grad_w = g2.T @ x2
    grad_b = g2.sum(dim=0)
    return grad_x, grad_w, grad_b
