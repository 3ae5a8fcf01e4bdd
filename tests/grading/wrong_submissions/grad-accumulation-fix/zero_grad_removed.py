import torch
import torch.nn.functional as F


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    n_batches = (x.shape[0] + micro_batch - 1) // micro_batch
    for k in range(n_batches):
        rows = slice(k * micro_batch, (k + 1) * micro_batch)
        loss = F.mse_loss(x[rows] @ w.T + b, y[rows]) / accum_steps
        loss.backward()  # .grad keeps adding up: that is the accumulation
        if (k + 1) % accum_steps == 0:
            opt.step()
    return w.detach(), b.detach()
