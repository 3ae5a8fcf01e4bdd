"""Checks for multi-head-attention: y against torch.nn.MultiheadAttention(batch_first=True)
with the same projection weights, self-attention, no mask."""

import torch

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="self_attention",
    args=("x", "in_proj_weight", "in_proj_bias", "out_proj_weight", "out_proj_bias", "num_heads"),
    returns="y",
    reference_name="torch.nn.MultiheadAttention(batch_first=True)",
)


def reference(x, in_proj_weight, in_proj_bias, out_proj_weight, out_proj_bias, num_heads):
    e = x.shape[-1]
    mha = torch.nn.MultiheadAttention(e, num_heads, batch_first=True).to(x.dtype)
    with torch.no_grad():
        mha.in_proj_weight.copy_(in_proj_weight)
        mha.in_proj_bias.copy_(in_proj_bias)
        mha.out_proj.weight.copy_(out_proj_weight)
        mha.out_proj.bias.copy_(out_proj_bias)
        y, _ = mha(x, x, x, need_weights=False)
    return y


def _check(v, name, regime, b, length, e, heads, dtype=torch.float32, note="", layout=None):
    s = e**-0.5
    inputs = {
        "x": v.randn(b, length, e, dtype=dtype),
        "in_proj_weight": v.randn(3 * e, e, dtype=dtype, scale=s),
        "in_proj_bias": v.randn(3 * e, dtype=dtype, scale=0.2),
        "out_proj_weight": v.randn(e, e, dtype=dtype, scale=s),
        "out_proj_bias": v.randn(e, dtype=dtype, scale=0.2),
        "num_heads": heads,
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    b, length = v.integer(2, 3, 2), v.integer(4, 7, 5)
    e, heads = v.pick((8, 2), (12, 3), (8, 4))
    f64 = torch.float64
    return [
        _check(v, "heads-f32", f"x ({b}, {length}, {e}), {heads} heads, float32", b, length, e, heads,
               note="Head h owns features h*d .. (h+1)*d - 1 of q, k and v, d = E / num_heads."),
        _check(v, "heads-f64", f"{heads} heads, float64", b, length, e, heads, f64),
        _check(v, "many-heads-f64", "16 features, 4 heads", b, length, 16, 4, f64,
               note="Scores are scaled by sqrt(d), the size of one head."),
        _check(v, "one-head-f64", "a single head", b, length, e, 1, f64,
               note="One head is plain scaled dot-product attention between projections."),
        _check(v, "one-token-f64", "sequences of length 1", b, 1, e, heads, f64),
        _check(v, "non-contiguous", "transposed projection weights", b, length, e, heads, f64,
               layout={"in_proj_weight": "transposed", "out_proj_weight": "transposed"}),
    ]
