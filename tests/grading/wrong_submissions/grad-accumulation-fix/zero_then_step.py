import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    count = 0
    for start in range(0, x.shape[0], micro_batch):
        err = x[start:start + micro_batch] @ w.T + b - y[start:start + micro_batch]
        (err.pow(2).mean() / accum_steps).backward()
        count += 1
        if count % accum_steps == 0:
            opt.zero_grad(set_to_none=True)  # fresh gradients for the next group
            opt.step()
    return w.detach(), b.detach()
