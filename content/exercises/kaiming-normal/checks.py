"""Checks for kaiming-normal: random output, so checked by statistics.

Each check fills a NaN-filled tensor (so a tensor that is not filled in place shows) and
compares the sample with torch.nn.init.kaiming_normal_'s on the same shape: the mean near
0, the standard deviation near gain / sqrt(fan) (the exact target is given), and the
Kolmogorov-Smirnov distance to torch's sample small enough that the values are normal.
"""

import math

import torch

from studyapp.grading.kit import Check, Generator, SameDistribution, Spec, Variant

SPEC = Spec(
    entry="kaiming_normal_",
    args=("tensor",),
    returns="result",
    updates=("tensor",),
    same={"result": "tensor"},
    reference_name="torch.nn.init.kaiming_normal_",
)


def reference(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    return torch.nn.init.kaiming_normal_(tensor, a=a, mode=mode, nonlinearity=nonlinearity,
                                         generator=generator)


def target_std(shape, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    receptive = math.prod(shape[2:])
    fan = shape[1] * receptive if mode == "fan_in" else shape[0] * receptive
    gain = torch.nn.init.calculate_gain(nonlinearity, a)
    return gain / math.sqrt(fan)


def _same_seed(got, inputs):
    t = got["tensor"]
    if t.shape[0] == 2 and not torch.equal(t[0], t[1]):
        return ("two calls with generators seeded alike gave different values: draw with "
                "the given generator (e.g. tensor.normal_(0, std, generator=generator))")
    return None


def _check(v, name, regime, shape, dtype=torch.float32, note="", layout=None, **kw):
    inputs = {"tensor": torch.full(shape, float("nan"), dtype=dtype),
              "generator": Generator(v.seed_int()), **kw}
    return Check(name=name, regime=regime, inputs=inputs, layout=layout or {},
                 compare=SameDistribution(std=target_std(shape, **kw)), note=note)


def checks(v: Variant) -> list[Check]:
    out_f, in_f = v.pick((256, 128), (192, 160), (100, 300))
    conv = v.pick((64, 32, 3, 3), (32, 24, 5, 5), (96, 16, 3, 3))
    seed = v.seed_int()
    return [
        _check(v, "linear-defaults", "Linear weight, every default left out (std = sqrt(2 / fan_in))",
               (out_f, in_f),
               note="Defaults: a=0, mode='fan_in', nonlinearity='leaky_relu', so gain sqrt(2); "
                    "fan_in is size(1) of an (out, in) weight."),
        _check(v, "relu-fan-out-f64", "mode='fan_out', nonlinearity='relu', float64",
               (in_f, out_f), torch.float64, mode="fan_out", nonlinearity="relu",
               note="fan_out is size(0) of the weight."),
        _check(v, "conv2d-weight", "conv2d weight (out, in, kH, kW), defaults", conv,
               note="For conv weights both fans are multiplied by the receptive field, "
                    "kH * kW."),
        _check(v, "conv1d-tanh", "conv1d weight, nonlinearity='tanh' (gain 5/3)",
               v.pick((128, 16, 5), (96, 24, 7)), nonlinearity="tanh",
               note="The gain depends on the nonlinearity: 5/3 for tanh."),
        _check(v, "leaky-slope", "leaky_relu with a = sqrt(5) (torch's Linear default)",
               v.pick((200, 150), (120, 250)), a=math.sqrt(5),
               note="leaky_relu's gain is sqrt(2 / (1 + a^2)); a = sqrt(5) gives sqrt(1/3)."),
        _check(v, "leaky-fan-out-f64", "leaky_relu a=0.2, mode='fan_out', float64",
               v.pick((200, 150), (100, 300)), torch.float64, a=0.2, mode="fan_out"),
        _check(v, "linear-gain", "nonlinearity='linear' (gain 1)", v.pick((100, 400), (160, 200)),
               nonlinearity="linear",
               note="Gain 1 for linear (and sigmoid): std = 1 / sqrt(fan_in)."),
        _check(v, "conv3d-sigmoid-fan-out", "conv3d weight, sigmoid, mode='fan_out'",
               (16, 8, 3, 3, 3), nonlinearity="sigmoid", mode="fan_out",
               note="The receptive field is the product of every kernel dimension."),
        _check(v, "noncontiguous", "a transposed (non-contiguous) weight",
               (out_f, in_f), layout={"tensor": "transposed"},
               note="Fill the tensor in place even when it is a transposed view."),
        Check(name="same-seed", regime="two calls with generators seeded alike",
              inputs={"tensor": torch.full((64, 128), float("nan"))}, steps=2,
              per_step={"generator": [Generator(seed), Generator(seed)]},
              compare=SameDistribution(std=target_std((64, 128))), verify=_same_seed,
              note="Draw every value with the given generator, so a seed reproduces the "
                   "initialization."),
    ]
