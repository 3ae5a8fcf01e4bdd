"""Checks for xavier-uniform: random output, so checked by bounds and statistics.

Each check hands over a tensor filled with NaN (so an element left unfilled shows) and
compares the filled values with a sample from torch.nn.init.xavier_uniform_ itself: the
bound a, mean, standard deviation and a two-sample Kolmogorov-Smirnov test.  Any correct
sampling method passes.  The generator check calls the function three times: twice with
the same seed (same values expected) and once with another (different values)."""

import math

import torch

from studyapp.grading.kit import Check, Generator, SameDistribution, Spec, Variant

SPEC = Spec(
    entry="xavier_uniform_",
    args=("tensor",),
    returns="out",
    updates=("tensor",),
    same={"out": "tensor"},
    reference_name="torch.nn.init.xavier_uniform_",
)


def reference(tensor, gain=1.0, generator=None):
    return torch.nn.init.xavier_uniform_(tensor, gain=gain, generator=generator)


def bound(shape, gain=1.0):
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    return gain * math.sqrt(6.0 / (fan_in + fan_out))


def same_seed_same_sample(got, inputs):
    t = got["tensor"]
    if not torch.equal(t[0], t[1]):
        return ("two calls with generators seeded alike gave different values: draw with "
                "the generator argument (tensor.uniform_(-a, a, generator=generator))")
    if torch.equal(t[0], t[2]):
        return "a differently seeded generator gave the same values"
    return None


def fill(v, name, regime, shape, dtype=torch.float32, *, gain=None, generator=True,
         layout=None, note=""):
    inputs = {"tensor": torch.full(shape, math.nan, dtype=dtype)}
    if gain is not None:
        inputs["gain"] = gain
    if generator:
        inputs["generator"] = Generator(v.seed_int())
    return Check(name, regime, inputs, layout=layout or {}, note=note,
                 compare=SameDistribution(bound=bound(shape, 1.0 if gain is None else gain)))


def checks(v: Variant) -> list[Check]:
    f64 = torch.float64
    lin = v.pick((128, 256), (192, 128), (100, 320))
    tall = v.pick((40, 800), (800, 48), (32, 900))
    conv = v.pick((32, 16, 3, 3), (24, 12, 5, 5), (16, 32, 3, 3))
    gain = v.pick(math.sqrt(2.0), 5.0 / 3.0, 0.5)
    seed = v.seed_int()
    det_shape = (64, 48)
    return [
        fill(v, "linear", f"a linear weight {lin}", lin),
        fill(v, "unequal-fans", f"fan_in and fan_out far apart {tall}", tall,
             note="the bound uses both fans"),
        fill(v, "conv2d", f"a conv2d weight {conv} (receptive field)", conv,
             note="for conv weights both fans include the kernel size"),
        fill(v, "conv1d", "a conv1d weight (64, 32, 5), 3-D", (64, 32, 5)),
        fill(v, "gain", f"gain = {gain:.4g}", v.pick((96, 256), (256, 96)), gain=gain),
        fill(v, "float64", "a float64 weight (100, 300)", (100, 300), f64),
        fill(v, "no-generator", "generator=None (the global random state)", (128, 128),
             generator=False),
        fill(v, "non-contiguous", "a transposed (non-contiguous) weight (150, 100)", (150, 100),
             layout={"tensor": "transposed"}, note="fill the tensor itself, in place"),
        fill(v, "small", "a tiny weight (3, 5): only the bound is checked", (3, 5)),
        Check("generator", "same seed twice, then another seed",
              {"tensor": torch.full(det_shape, math.nan)}, steps=3,
              per_step={"generator": [Generator(seed), Generator(seed), Generator(seed + 1)]},
              compare=SameDistribution(bound=bound(det_shape)), verify=same_seed_same_sample),
    ]
