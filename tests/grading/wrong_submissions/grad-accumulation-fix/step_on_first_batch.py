import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    n_micro = 0
    for start in range(0, x.shape[0], micro_batch):
        xb = x[start:start + micro_batch]
        yb = y[start:start + micro_batch]
        pred = xb @ w.T + b
        loss = torch.mean((pred - yb) ** 2) / accum_steps
        loss.backward()
        if n_micro % accum_steps == 0:
            opt.step()
            opt.zero_grad()
        n_micro += 1
    return w.detach(), b.detach()
