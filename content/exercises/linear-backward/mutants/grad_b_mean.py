def linear_backward(x, w, b, grad_out):
    g2 = grad_out.reshape(-1, w.shape[0])
    x2 = x.reshape(-1, w.shape[1])
    return grad_out @ w, g2.T @ x2, g2.mean(dim=0)
