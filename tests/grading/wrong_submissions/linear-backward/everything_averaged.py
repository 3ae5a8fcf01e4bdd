def linear_backward(x, w, b, grad_out):
    g = grad_out.reshape(-1, w.shape[0])
    xs = x.reshape(-1, w.shape[1])
    n = g.shape[0]
    return (grad_out @ w) / n, (g.T @ xs) / n, g.sum(0) / n
