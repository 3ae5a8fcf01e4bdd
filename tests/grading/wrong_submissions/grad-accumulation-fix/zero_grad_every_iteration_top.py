import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    step = 0
    for start in range(0, x.shape[0], micro_batch):
        w.grad = None
        b.grad = None
        xb, yb = x[start:start + micro_batch], y[start:start + micro_batch]
        loss = ((xb @ w.T + b - yb) ** 2).mean()
        loss.backward()
        step += 1
        if step % accum_steps == 0:
            opt.step()
    return w.detach(), b.detach()
