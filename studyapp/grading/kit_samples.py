"""Checks-toolkit additions for issue 15's exercises (trusted side, imports torch).

``CategoricalSample`` is a comparator for functions that *sample* discrete actions (an
epsilon-greedy policy): any correct sampler must pass, so it compares frequencies, not
values.  Import it in a ``checks.py`` next to ``studyapp.grading.kit``.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from .compare import Mismatch, Verify


class CategoricalSample:
    """Each row ``i`` of a sample must be an action drawn from ``probs[i]`` (shape (B, A)).

    Actions are grouped into categories by each grouping in ``groupings`` (tensors of
    shape (B, A): ``grouping[i, a]`` is the category of action ``a`` in row ``i``; by
    default the action index itself; e.g. 0 for the greedy action and 1..A-1 for the
    others by their offset from it), and for every grouping each category's count over
    the rows must be within ``z`` standard errors of its expected count
    ``sum_i probs[i, category]`` (binomial variance per row).  Against another sample
    (diagnosis) the two samples' counts are compared with the standard error of a
    difference.  ``names[g][c]`` describes category ``c`` of grouping ``g`` in messages.
    """

    def __init__(self, probs: torch.Tensor, groupings: list[torch.Tensor] | None = None, *,
                 z: float = 6.0, names: list[dict[int, str]] | None = None):
        self.probs = probs.double()
        n_rows, n_actions = probs.shape
        if not groupings:
            groupings = [torch.arange(n_actions).expand(n_rows, n_actions)]
        self.groupings = [g.long() for g in groupings]
        self.names = names or [{} for _ in self.groupings]
        self.z = z
        self.moments = [self._moments(g) for g in self.groupings]

    def _moments(self, grouping: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Expected count and variance per category for one step of B rows."""
        n_categories = int(grouping.max()) + 1
        mean = torch.zeros(n_categories, dtype=torch.float64)
        var = torch.zeros(n_categories, dtype=torch.float64)
        for c in range(n_categories):
            p = (self.probs * (grouping == c)).sum(dim=1)
            mean[c] = p.sum()
            var[c] = (p * (1 - p)).sum()
        return mean, var

    @staticmethod
    def _counts(grouping: torch.Tensor, sample: torch.Tensor, n: int) -> torch.Tensor:
        cats = grouping.gather(1, sample.long().reshape(-1, 1)).squeeze(1)
        return torch.bincount(cats, minlength=n).double()

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, *,
                 against_reference: bool = True) -> Mismatch | None:
        n_rows, n_actions = self.probs.shape
        for k in range(got.shape[0]):
            g = got[k].reshape(-1)
            if g.numel() != n_rows:
                return Mismatch(k, detail=f"expected {n_rows} actions, got {g.numel()}")
            bad = (g < 0) | (g >= n_actions)
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                return Mismatch(k, detail=f"action {int(g[i])} in row {i} is not in "
                                          f"[0, {n_actions})")
            for grouping, (mean, var), names in zip(self.groupings, self.moments, self.names,
                                                    strict=True):
                counts = self._counts(grouping, g, mean.numel())
                if against_reference:
                    ref, spread = mean, var.sqrt()
                else:
                    ref = self._counts(grouping, expected[k].reshape(-1), mean.numel())
                    spread = (2 * var).sqrt()
                for c in range(mean.numel()):
                    allowed = self.z * float(spread[c]) + 1e-9
                    if abs(float(counts[c] - ref[c])) > allowed:
                        share, want = float(counts[c]) / n_rows, float(ref[c]) / n_rows
                        return Mismatch(k, detail=(
                            f"{names.get(c, f'action {c}')} was chosen in {share:.2%} of "
                            f"{n_rows} rows, expected {want:.2%} (± {allowed / n_rows:.2%})"))
        return None


def same_sample_for_same_seed(slot: str, step_a: int = 0, step_b: int = 1
                              ) -> Verify:
    """A ``verify`` for a check whose steps ``step_a`` and ``step_b`` get identical inputs and
    identically seeded generators: their samples must be equal, or the function draws from
    something other than the generator it was given (the global RNG)."""

    def verify(got: dict[str, torch.Tensor], inputs: Mapping[str, object]) -> str | None:
        x = got.get(slot)
        if x is None or x.shape[0] <= max(step_a, step_b):
            return None
        if not torch.equal(x[step_a], x[step_b]):
            return (f"two calls with generators seeded alike returned different {slot}: "
                    f"draw every random number from the `generator` argument "
                    f"(torch.rand(..., generator=generator)), not from the global RNG")
        return None

    return verify

