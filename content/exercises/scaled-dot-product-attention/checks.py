"""Checks for scaled-dot-product-attention: out against
torch.nn.functional.scaled_dot_product_attention (math backend), with and without masks."""

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="attention",
    args=("q", "k", "v"),
    returns="out",
    reference_name="torch.nn.functional.scaled_dot_product_attention",
)


def reference(q, k, v, mask=None, is_causal=False):
    with sdpa_kernel(SDPBackend.MATH):  # full precision on every device
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=is_causal)


def _check(v, name, regime, lead, length, source, e, ev, dtype=torch.float32, scale=1.0,
           note="", layout=None, **kw):
    inputs = {
        "q": v.randn(*lead, length, e, dtype=dtype, scale=scale),
        "k": v.randn(*lead, source, e, dtype=dtype, scale=scale),
        "v": v.randn(*lead, source, ev, dtype=dtype),
        **kw,
    }
    return Check(name, regime, inputs, layout=layout or {}, note=note)


def _bool_mask(v, length, source):
    mask = v.rand(length, source) < 0.6
    mask[:, 0] = True  # every query may attend somewhere
    return mask


def checks(v: Variant) -> list[Check]:
    b, h = v.integer(1, 3, 2), v.integer(2, 4, 2)
    length, source = v.pick((5, 7), (4, 6), (6, 3))
    e, ev = v.pick((8, 6), (4, 5), (16, 8))
    f64 = torch.float64
    return [
        _check(v, "self-f32", f"q, k, v ({b}, {length}, {e}), no mask", (b,), length, length, e, e,
               note="Scores are q k^T / sqrt(E), softmax over the keys (the last dim)."),
        _check(v, "heads-f64", f"(batch, heads) = ({b}, {h}), L = {length}, S = {source}, "
               f"E = {e}, Ev = {ev}", (b, h), length, source, e, ev, f64,
               note="Scale by sqrt of the query/key size E."),
        _check(v, "bool-mask-f64", "a boolean mask (True = may attend)", (b,), length, source, e, ev,
               f64, mask=_bool_mask(v, length, source),
               note="In a boolean attn_mask, True means the position takes part."),
        _check(v, "float-mask-f64", "a float mask added to the scores", (b, h), length, source, e,
               ev, f64, mask=v.randn(length, source, dtype=f64)),
        _check(v, "causal-f32", "is_causal=True, L = S", (b, h), length, length, e, ev,
               is_causal=True, note="Position i attends to positions 0 .. i, itself included."),
        _check(v, "large-scores-f32", "scores in the hundreds", (b,), length, source, e, ev,
               scale=6.0, note="softmax must subtract the row max (torch.softmax does)."),
        _check(v, "non-contiguous", "transposed k, strided v", (b,), length, source, e, ev, f64,
               layout={"k": "transposed", "v": "strided"}),
    ]
