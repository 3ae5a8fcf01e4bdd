import torch
import torch.nn.functional as F


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    opt.zero_grad()
    seen = 0
    for start in range(0, x.shape[0], micro_batch):
        pred = x[start:start + micro_batch] @ w.T + b
        F.mse_loss(pred, y[start:start + micro_batch]).backward()
        seen += 1
        if seen == accum_steps:
            opt.step()
            opt.zero_grad()
            seen = 0
    return w.detach(), b.detach()
