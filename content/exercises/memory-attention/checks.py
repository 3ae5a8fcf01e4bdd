"""Checks for memory-attention: the read of an end-to-end memory network, against a
reference built from torch.softmax and torch's own scaled_dot_product_attention
(with scale=1, the memory network's unscaled dot product)."""

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel

from studyapp.grading.kit import Check, Spec, Variant

SPEC = Spec(
    entry="memory_attention",
    args=("u", "m", "c"),
    returns=("o", "p"),
    reference_name="torch.softmax + F.scaled_dot_product_attention (scale=1)",
)


def reference(u, m, c, hops=1):
    for k in range(hops):
        p = torch.softmax(torch.einsum("nd,nsd->ns", u, m), dim=-1)
        with sdpa_kernel(SDPBackend.MATH):  # full precision on every device
            o = F.scaled_dot_product_attention(u.unsqueeze(1), m, c, scale=1.0).squeeze(1)
        if k < hops - 1:
            u = u + o
    return o, p


def _check(v, name, regime, n, s, d, dtype=torch.float32, hops=None, scale=1.0, note="",
           layout=None):
    inputs = {
        "u": v.randn(n, d, dtype=dtype, scale=scale),
        "m": v.randn(n, s, d, dtype=dtype, scale=scale),
        "c": v.randn(n, s, d, dtype=dtype),
    }
    if hops is not None:
        inputs["hops"] = hops
    return Check(name=name, regime=regime, inputs=inputs, layout=layout or {}, note=note)


def checks(v: Variant) -> list[Check]:
    n, s, d = v.integer(2, 6, 4), v.integer(3, 10, 6), v.integer(3, 12, 8)
    f64 = torch.float64
    return [
        _check(v, "one-hop-f32", "a single hop (hops left out)", n, s, d,
               note="p = softmax over the slots of u . m_i; o = sum_i p_i c_i."),
        _check(v, "one-hop-f64", "a single hop, float64", n, s, d, f64, hops=1),
        _check(v, "three-hops-f64", "hops=3", n, s, d, f64, hops=3,
               note="Between hops u_(k+1) = u_k + o_k; return the last hop's o and p."),
        _check(v, "five-hops-f32", "hops=5, small scores", n, s + 2, d, hops=5, scale=0.5),
        _check(v, "large-scores-f32", "dot products in the thousands", n, s, d, hops=2,
               scale=12.0,
               note="exp of a score above about 88 overflows in float32: the softmax must "
                    "subtract the row max (torch.softmax does)."),
        _check(v, "one-slot", "a single memory slot (p = 1)", n, 1, d, f64, hops=2,
               note="With one slot, the attention is 1 and o = c_1."),
        _check(v, "one-example", "N = 1", 1, s, d, hops=2,
               note="The batch dimension may be 1: normalize over the slots, not the batch."),
        _check(v, "noncontiguous", "transposed (non-contiguous) m and c", n, s, d, hops=2,
               layout={"m": "transposed", "c": "strided"},
               note="Non-contiguous inputs must give the same result."),
    ]
