import torch  # noqa: F401 - you will need it


def linear_backward(x, w, b, grad_out):
    """Gradients of y = x @ w.T + b with respect to x, w and b, given dL/dy = grad_out.

    x: (..., in); w: (out, in); b: (out,); grad_out: (..., out).
    Returns (grad_x, grad_w, grad_b), shaped like x, w and b.
    """
    # TODO: grad_x (shape of x), grad_w (out, in), grad_b (out,)
    raise NotImplementedError
