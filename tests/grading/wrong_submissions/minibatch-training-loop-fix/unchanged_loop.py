import torch


def forward(params, x):
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1.T + b1) @ w2.T + b2


def zero_grad(params):
    for p in params:
        p.grad = None


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad


def train(w1, b1, w2, b2, x, y, lr=0.1, batch_size=16, epochs=2):
    """Mini-batch SGD on the mean squared error: one update per batch, batches in order.
    This loop runs, but it does not train the way the docstring says. Fix it.
    """
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    n = x.shape[0]
    for _epoch in range(epochs):
        for start in range(0, n, batch_size):
            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
            for i in range(xb.shape[0]):
                loss = ((forward(params, xb[i:i + 1]) - yb[i:i + 1]) ** 2).mean()
                loss.backward()
                sgd_update(params, lr)
    return tuple(p.detach() for p in params)
