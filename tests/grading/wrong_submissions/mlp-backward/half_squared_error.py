import torch


def mlp_backward(x, y, w1, b1, w2, b2):
    h = torch.tanh(torch.addmm(b1, x, w1.t()))
    pred = torch.addmm(b2, h, w2.t())
    loss = torch.mean((pred - y) ** 2)
    g = (pred - y) / pred.numel()  # d/dpred of the squared error
    gw2, gb2 = g.t() @ h, g.sum(0)
    ga = (g @ w2) * (1 - torch.tanh(x @ w1.t() + b1) ** 2)
    return loss, ga.t() @ x, ga.sum(0), gw2, gb2
