

def mlp_backward(x, y, w1, b1, w2, b2):
    a1 = x @ w1.T + b1
    h = a1.tanh()
    pred = h @ w2.T + b2
    diff = pred - y
    loss = diff.pow(2).mean()
    dpred = 2.0 * diff / diff.numel()
    dh = dpred @ w2
    da1 = dh * h * (1.0 - h)
    return loss, da1.T @ x, da1.sum(dim=0), dpred.T @ h, dpred.sum(dim=0)
