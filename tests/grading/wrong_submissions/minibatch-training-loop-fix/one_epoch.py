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
    params = [p.detach().clone().requires_grad_(True) for p in (w1, b1, w2, b2)]
    for start in range(0, x.shape[0], batch_size):
        zero_grad(params)
        loss = ((forward(params, x[start:start + batch_size]) - y[start:start + batch_size]) ** 2).mean()
        loss.backward()
        sgd_update(params, lr)
    return tuple(p.detach() for p in params)
