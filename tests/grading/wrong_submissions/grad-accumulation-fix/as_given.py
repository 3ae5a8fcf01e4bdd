import torch


def train_accumulated(w, b, x, y, lr, micro_batch, accum_steps):
    """One pass of SGD with gradient accumulation: each optimizer step uses the gradient
    of the mean squared error over accum_steps consecutive micro-batches of micro_batch
    rows (an effective batch of micro_batch * accum_steps rows), in order.

    This version runs, but its steps are not the steps of the effective batch. Fix it.
    """
    w = w.detach().clone().requires_grad_(True)
    b = b.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([w, b], lr=lr)
    for i, start in enumerate(range(0, x.shape[0], micro_batch)):
        opt.zero_grad()
        xb, yb = x[start:start + micro_batch], y[start:start + micro_batch]
        loss = ((xb @ w.T + b - yb) ** 2).mean() / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            opt.step()
    return w.detach(), b.detach()
