import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    for start in range(0, x.shape[0], micro_batch):
        xb, yb = x[start:start + micro_batch], y[start:start + micro_batch]
        loss = ((xb @ w.T + b - yb) ** 2).mean() / accum_steps
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return w.detach(), b.detach()
