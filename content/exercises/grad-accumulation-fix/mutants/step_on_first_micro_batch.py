import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    """One pass of SGD with gradient accumulation: each optimizer step uses the gradient
    of the mean squared error over accum_steps consecutive micro-batches of micro_batch
    rows (an effective batch of micro_batch * accum_steps rows), in order."""
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    for i, start in enumerate(range(0, x.shape[0], micro_batch)):
        xb, yb = x[start:start + micro_batch], y[start:start + micro_batch]
        # the mean of the k micro-batch means is the mean over the effective batch
        loss = ((xb @ w.T + b - yb) ** 2).mean() / accum_steps
        loss.backward()  # adds into .grad: accumulates over the micro-batches
        if i % accum_steps == 0:
            opt.step()
            opt.zero_grad()  # once per step, after it
    return w.detach(), b.detach()
