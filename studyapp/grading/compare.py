"""Comparisons done on the trusted side (imports torch).

A comparator takes ``expected`` and ``got``, both stacked ``(steps, *shape)`` tensors of the
same dtype and shape, and returns ``None`` when they agree or a ``Mismatch`` that says where
they first disagree.  ``Close`` is elementwise ``torch.testing.assert_close`` semantics
(``|got - expected| <= atol + rtol * |expected|``, dtype-default tolerances, NaN equal to
NaN); ``SameDistribution`` is for random outputs (initializers), where any correct sampling
method must pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

import torch

# torch.testing.assert_close defaults
_DEFAULT_TOL = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}


class Comparator(Protocol):
    """What a ``kit.Check`` compares with (``Close``, ``SameDistribution`` or an exercise's
    own): ``None`` when ``got`` agrees with ``expected``.  ``against_reference`` is False when
    ``expected`` is a mutant's output rather than the reference's (the diagnosis)."""

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, *,
                 against_reference: bool = True) -> Mismatch | None: ...


# A check's property test: ``verify(got, inputs)`` with ``got`` the submission's outputs by
# slot (stacked ``(steps, *shape)`` tensors); a message when the property fails, else None.
Verify: TypeAlias = Callable[[dict[str, torch.Tensor], Mapping[str, object]], str | None]


def default_tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) that ``torch.testing.assert_close`` uses for ``dtype``."""
    return _DEFAULT_TOL.get(dtype, (0.0, 0.0))


@dataclass
class Mismatch:
    first_bad_step: int  # 0-based
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    worst_index: tuple[int, ...] | None = None
    expected: float | None = None
    got: float | None = None
    detail: str = ""  # extra sentence (statistics, bounds)


def _num(x: Any) -> float:
    v = float(x)
    return v


class Close:
    """Elementwise closeness.  ``rtol``/``atol`` override the dtype defaults; ``scale``
    multiplies the defaults (e.g. ``scale=10`` for a 200-step float32 run where rounding
    differences legitimately accumulate)."""

    def __init__(self, rtol: float | None = None, atol: float | None = None, scale: float = 1.0):
        self.rtol, self.atol, self.scale = rtol, atol, scale

    def tolerances(self, dtype: torch.dtype) -> tuple[float, float]:
        rtol, atol = default_tolerances(dtype)
        rtol = self.rtol if self.rtol is not None else rtol * self.scale
        atol = self.atol if self.atol is not None else atol * self.scale
        return rtol, atol

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, *,
                 against_reference: bool = True) -> Mismatch | None:
        if expected.numel() == 0:
            return None
        if not expected.is_floating_point():
            bad = expected != got
            if not bool(bad.any()):
                return None
            flat = int(bad.reshape(-1).nonzero()[0, 0])
            idx = _unravel(flat, tuple(expected.shape))
            return Mismatch(idx[0], None, None, idx[1:], _num(expected[idx]), _num(got[idx]))
        rtol, atol = self.tolerances(expected.dtype)
        e = expected.double()
        g = got.double()
        diff = (g - e).abs()
        both_nan = e.isnan() & g.isnan()
        same_inf = e.isinf() & (g == e)
        diff = torch.where(both_nan | same_inf, torch.zeros_like(diff), diff)
        diff = torch.where(diff.isnan(), torch.full_like(diff, math.inf), diff)
        allowed = atol + rtol * e.abs()
        allowed = torch.where(allowed.isnan(), torch.zeros_like(allowed), allowed)
        # An infinite expected value allows no error at all (rtol * inf would allow any
        # got); only the same infinity matches, and its diff was zeroed above.
        allowed = torch.where(e.isinf(), torch.zeros_like(allowed), allowed)
        bad = diff > allowed
        if not bool(bad.any()):
            return None
        steps = e.shape[0]
        bad_steps = bad.reshape(steps, -1).any(dim=1)
        first = int(bad_steps.nonzero()[0, 0])
        # Report the first diverging step, at its worst element.
        d = diff[first]
        ratio = d / allowed[first].clamp_min(1e-300)
        ratio = torch.where(bad[first], ratio, torch.zeros_like(ratio))
        flat = int(ratio.reshape(-1).argmax())
        idx = _unravel(flat, tuple(d.shape))
        max_abs = _num(d.max()) if d.numel() else 0.0
        denom = e[first].abs()
        nz = denom > 0
        max_rel = _num((d[nz] / denom[nz]).max()) if bool(nz.any()) else None
        full_idx = (first, *idx)
        return Mismatch(first, max_abs, max_rel, tuple(idx), _num(e[full_idx]), _num(g[full_idx]))


class SameDistribution:
    """For random outputs: each step must look like a sample from the same distribution.

    Against the reference it checks, per step: everything finite; ``|x| <= bound`` when a
    ``bound`` is given (and, for large samples, that values come close to it); mean and
    standard deviation within ``z`` standard errors; and a two-sample Kolmogorov-Smirnov
    distance below the ``alpha``-level critical value.  Against a mutant (diagnosis) only
    the sample-vs-sample parts are used.
    """

    def __init__(self, bound: float | None = None, *, alpha: float = 1e-6, z: float = 6.0,
                 std: float | None = None):
        self.bound, self.alpha, self.z, self.std = bound, alpha, z, std

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, *,
                 against_reference: bool = True) -> Mismatch | None:
        for k in range(expected.shape[0]):
            problem = self._step(expected[k].reshape(-1).double(), got[k].reshape(-1).double(),
                                 against_reference)
            if problem:
                return Mismatch(k, detail=problem)
        return None

    def _step(self, e: torch.Tensor, g: torch.Tensor, against_reference: bool) -> str | None:
        n = g.numel()
        if n == 0:
            return None
        if not bool(g.isfinite().all()):
            return "the values contain NaN or infinity"
        gmax = float(g.abs().max())
        if against_reference and self.bound is not None:
            if gmax > self.bound * (1 + 1e-6) + 1e-12:
                return (f"values reach {gmax:.6g} but must stay within ±{self.bound:.6g} "
                        f"(the bound a)")
            if n >= 2000 and gmax < self.bound * (1 - 30.0 / n):
                return (f"the largest |value| is {gmax:.6g}, never near the bound "
                        f"a = {self.bound:.6g}: the range is too narrow")
        if n < 50:
            return None
        emean, estd = float(e.mean()), float(e.std())
        if self.std is not None and against_reference:
            estd = self.std
        gmean, gstd = float(g.mean()), float(g.std())
        se_mean = estd / math.sqrt(n)
        if abs(gmean - emean) > self.z * se_mean * math.sqrt(2) + 1e-12:
            return f"the mean is {gmean:.4g}, expected about {emean:.4g}"
        # relative standard error of a sample std is about 1/sqrt(2n) (generous for uniform)
        if estd > 0 and abs(gstd / estd - 1) > self.z * math.sqrt(2.0 / n) * 1.2 + 1e-9:
            return f"the standard deviation is {gstd:.4g}, expected about {estd:.4g}"
        d = ks_distance(e, g)
        m = e.numel()
        c = math.sqrt(-math.log(self.alpha / 2) / 2)
        crit = c * math.sqrt((n + m) / (n * m))
        if d > crit:
            return (f"the values are not distributed like the reference (Kolmogorov-Smirnov "
                    f"distance {d:.3g} > {crit:.3g})")
        return None


def ks_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    a = a.sort().values
    b = b.sort().values
    allv = torch.cat([a, b]).sort().values
    ca = torch.searchsorted(a, allv, right=True).double() / a.numel()
    cb = torch.searchsorted(b, allv, right=True).double() / b.numel()
    return float((ca - cb).abs().max())


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    idx = []
    for s in reversed(shape):
        idx.append(flat % s if s else 0)
        flat //= s if s else 1
    return tuple(reversed(idx))


def fmt_index(idx: tuple[int, ...] | None) -> str:
    if idx is None:
        return ""
    if not idx:
        return "()"
    return "(" + ", ".join(str(i) for i in idx) + (",)" if len(idx) == 1 else ")")
