import torch
from torch import nn


def build_model(w1, b1, bn_mean, bn_var, bn_weight, bn_bias, w2, b2):
    """A pretrained feature extractor (Linear -> BatchNorm1d -> ReLU) and a new head."""
    hidden, d = w1.shape
    backbone = nn.Sequential(nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
    head = nn.Linear(hidden, w2.shape[0])
    model = nn.Sequential(backbone, head).to(device=w1.device, dtype=w1.dtype)
    linear, bn = backbone[0], backbone[1]
    with torch.no_grad():
        for dst, src in ((linear.weight, w1), (linear.bias, b1), (bn.running_mean, bn_mean),
                         (bn.running_var, bn_var), (bn.weight, bn_weight), (bn.bias, bn_bias),
                         (head.weight, w2), (head.bias, b2)):
            dst.copy_(src)
    return model


def export(model):
    """The eight tensors of the model, in the order of build_model's arguments."""
    backbone, head = model
    linear, bn = backbone[0], backbone[1]
    return tuple(t.detach().clone() for t in (
        linear.weight, linear.bias, bn.running_mean, bn.running_var, bn.weight, bn.bias,
        head.weight, head.bias))


def finetune_head(w1, b1, bn_mean, bn_var, bn_weight, bn_bias, w2, b2, x, y, lr=0.1, steps=5):
    model = build_model(w1, b1, bn_mean, bn_var, bn_weight, bn_bias, w2, b2)
    backbone, head = model
    linear = backbone[0]
    linear.weight.requires_grad_(False)
    linear.bias.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(trainable, lr=lr)
    model.train()
    backbone.eval()
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return export(model)
