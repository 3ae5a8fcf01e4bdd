"""Comparators for exercises whose outputs are random masks of their input (dropout and
its relatives), trusted side.  Re-exported by nothing: a ``checks.py`` imports it directly::

    from studyapp.grading.kit_masks import BernoulliMask

``BernoulliMask(x, p)`` judges an output ``y`` that must equal ``x * m / (1 - p)`` for a
mask ``m`` of independent Bernoulli(1 - p) draws: every element is either exactly 0
(dropped) or ``x / (1 - p)`` (kept and rescaled), and the fraction dropped is ``p`` within
``z`` binomial standard errors.  Any correct sampler passes, whatever its random stream.

Against a mutant (``against_reference=False``, the diagnosis) two samples are compared by
what they reveal about the rule that produced them: the fraction dropped (within the
two-sample binomial error), the scale applied to the survivors, and where NaNs appear.
"""

from __future__ import annotations

import math

import torch

from .compare import Mismatch, _unravel, fmt_index


def _features(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float | None, bool]:
    """(fraction of exact zeros, median survivor scale y / x, any NaN) of one sample."""
    nan = bool(y.isnan().any())
    kept = (y != 0) & (x != 0) & ~y.isnan()
    frac = float((y == 0).double().mean()) if y.numel() else 0.0
    scale = float((y[kept] / x[kept]).median()) if bool(kept.any()) else None
    return frac, scale, nan


class BernoulliMask:
    """``y = x * mask / (1 - p)``, mask ~ Bernoulli(1 - p) elementwise; ``p = 1`` means
    all zeros and ``p = 0`` (or ``dropped=False``: eval mode) means ``y == x`` exactly."""

    def __init__(self, x: torch.Tensor, p: float, *, dropped: bool = True, z: float = 6.0,
                 rtol: float | None = None):
        self.shape = tuple(x.shape)
        self.x = x.detach().double().reshape(-1)
        self.p = float(p) if dropped else 0.0
        self.z = z
        self.rtol = rtol if rtol is not None else (1e-5 if x.dtype == torch.float32 else 1e-9)

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, *,
                 against_reference: bool = True) -> Mismatch | None:
        for k in range(got.shape[0]):
            g = got[k].detach().double().cpu().reshape(-1)
            if against_reference:
                problem = self._law(g)
            else:
                problem = self._same_rule(expected[k].detach().double().cpu().reshape(-1), g)
            if problem:
                return Mismatch(k, detail=problem)
        return None

    def _law(self, g: torch.Tensor) -> str | None:
        x, p, n = self.x, self.p, g.numel()
        if not bool(g.isfinite().all()):
            return "the output contains NaN or infinity"
        if p >= 1.0:
            if bool((g != 0).any()):
                return "with p = 1 every element must be dropped: the output must be all zeros"
            return None
        kept_value = x / (1.0 - p)
        is_zero = g == 0
        is_kept = (g - kept_value).abs() <= self.rtol * kept_value.abs() + 1e-12
        if p == 0.0:
            bad = ~is_kept
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                return (f"nothing may be dropped here (eval mode or p = 0): expected y == x, but "
                        f"y{self._where(i)} is {float(g[i]):.6g} instead of {float(x[i]):.6g}")
            return None
        bad = ~(is_zero | is_kept)
        if bool(bad.any()):
            i = int(bad.nonzero()[0, 0])
            ratio = float(g[i] / x[i]) if float(x[i]) != 0 else float("nan")
            return (f"y{self._where(i)} is {float(g[i]):.6g}: a kept element must be x / (1 - p) = "
                    f"{float(kept_value[i]):.6g} (scale {1 / (1 - p):.6g}, got scale "
                    f"{ratio:.6g}) and a dropped one exactly 0")
        frac = float(is_zero.double().mean())
        se = math.sqrt(p * (1 - p) / n)
        if abs(frac - p) > self.z * se:
            return (f"{frac:.3%} of the elements were dropped, expected p = {p:.3%} "
                    f"(± {self.z * se:.2%} at this size): each element is dropped with "
                    f"probability p")
        return None

    def _where(self, flat: int) -> str:
        return fmt_index(_unravel(flat, self.shape)) if self.shape else ""

    def _same_rule(self, e: torch.Tensor, g: torch.Tensor) -> str | None:
        fe, se_, ne = _features(self.x, e)
        fg, sg, ng = _features(self.x, g)
        if ne != ng:
            return "NaN in one sample only"
        n = g.numel()
        q = min(max((fe + fg) / 2, 1.0 / n), 1 - 1.0 / n)
        if abs(fe - fg) > self.z * math.sqrt(2 * q * (1 - q) / n):
            return "the dropped fractions differ"
        if (se_ is None) != (sg is None):
            return "one sample keeps nothing"
        if se_ is not None and sg is not None and abs(se_ - sg) > 1e-4 * max(abs(se_), 1.0):
            return "the survivors are scaled differently"
        return None
