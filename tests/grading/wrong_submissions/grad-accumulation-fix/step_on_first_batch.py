import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    for i, start in enumerate(range(0, x.shape[0], micro_batch)):
        xb, yb = x[start:start + micro_batch], y[start:start + micro_batch]
        loss = ((xb @ w.T + b - yb) ** 2).mean() / accum_steps
        loss.backward()
        if i % accum_steps == 0:
            opt.step()
            opt.zero_grad()
    return w.detach(), b.detach()
