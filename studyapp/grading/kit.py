"""The toolkit an exercise's ``checks.py`` is written with (trusted side, imports torch).

A ``checks.py`` defines three names::

    SPEC = Spec(entry="adam_step", args=("param", "grad", "m", "v", "t"),
                returns=("new_param", "new_m", "new_v"),
                carry={"param": "new_param", "m": "new_m", "v": "new_v"},
                reference_name="torch.optim.Adam")

    def reference(param, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        ...  # computed with torch itself (torch.optim / torch.nn.functional / torch.nn.init)

    def checks(v: Variant) -> list[Check]:
        ...  # the regimes; draw shapes, hyperparameters and data from ``v``

and optionally ``BANNED``/``BANNED_OPS`` are taken from ``exercise.toml``.  The grader runs
``reference`` and every mutant on the same inputs as the submission (see ``runner``), and
compares with each check's comparator.  ``v.canonical`` is true for the canonical checks
(``variant_seed=None``); a variant seed gives a fresh draw of shapes, hyperparameters and
data for a review.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import SupportsFloat, TypeVar

import torch

from . import wire

# Close, SameDistribution and default_tolerances are re-exported for the checks.py files.
from .compare import Close, Comparator, SameDistribution, Verify, default_tolerances  # noqa: F401
from .contract import JsonObject, JsonValue

CANONICAL_SEED = 20240917
T = TypeVar("T")
Generator = wire.Generator


@dataclass(frozen=True)
class Spec:
    """The entry point's contract.

    - ``entry``: the function name the learner defines.
    - ``args``: the positional parameter names, in order (everything else in a check's
      ``inputs`` is passed by keyword, so regimes that leave a hyperparameter out test the
      learner's default).
    - ``returns``: a name (one tensor), a tuple of names (a tuple of tensors) or ``None``.
    - ``updates``: arguments updated in place whose final state is compared.
    - ``carry``: for multi-step checks, ``{argument: returned name}`` fed into the next step
      (the submission's own outputs: errors compound as in real training).
    - ``same``: ``{returned name: argument}`` when the function must return that very
      argument object (in-place APIs such as ``xavier_uniform_``).
    - ``grads``: tensor arguments passed with ``requires_grad=True``; the gradient of the
      returned value (one tensor, summed) with respect to each is compared too, as slot
      ``grad_<name>`` (zero where the function detaches it: "no gradient into the target").
    - ``reference_name``: how failures name the reference ("torch.optim.Adam").

    An ``updates`` argument may be a tuple of tensors (a list clipped in place); its state
    is compared as the concatenation of the flattened tensors.
    """

    entry: str
    args: tuple[str, ...]
    returns: str | tuple[str, ...] | None
    updates: tuple[str, ...] = ()
    carry: dict[str, str] = field(default_factory=dict)
    same: dict[str, str] = field(default_factory=dict)
    reference_name: str = "the reference"
    grads: tuple[str, ...] = ()

    def returns_plan(self) -> JsonObject:
        if self.returns is None:
            return {"kind": "none", "names": []}
        if isinstance(self.returns, str):
            return {"kind": "single", "names": [self.returns]}
        return {"kind": "tuple", "names": list(self.returns)}


@dataclass
class Check:
    """One regime.

    - ``name``: unique within the exercise (``default-f32``, ``long-run``).
    - ``regime``: a short human phrase shown with results ("tiny gradients (~1e-6)").
    - ``inputs``: argument values for the first step: tensors, Python scalars, ``None``,
      tuples, or ``Generator(seed)`` for a ``torch.Generator`` built on the device.
    - ``steps``: how many calls; ``per_step`` gives fresh values per step: a tensor whose
      first dimension indexes the step, or a list.
    - ``layout``: ``{argument: "transposed" | "strided"}`` to pass non-contiguous tensors.
    - ``compare``: a comparator (default ``Close(rtol, atol)`` with dtype defaults scaled by
      ``tol_scale``); ``SameDistribution`` for random outputs.
    - ``verify``: optional property check ``verify(got: {slot: (steps, *shape) tensor},
      inputs) -> str | None`` (e.g. "same generator seed gives the same sample").
    - ``note``: one sentence that explains what this regime exposes; shown on failure.
    """

    name: str
    regime: str
    inputs: dict[str, object]
    steps: int = 1
    per_step: dict[str, torch.Tensor | Sequence[object]] = field(default_factory=dict)
    layout: dict[str, str] = field(default_factory=dict)
    rtol: float | None = None
    atol: float | None = None
    tol_scale: float = 1.0
    compare: Comparator | None = None
    verify: Verify | None = None
    note: str = ""

    def comparator(self) -> Comparator:
        return self.compare or Close(self.rtol, self.atol, self.tol_scale)

    def to_plan(self, spec: Spec, blob: wire.BlobWriter) -> JsonObject:
        for k, v in self.per_step.items():
            n = v.shape[0] if isinstance(v, torch.Tensor) else len(v)
            if n != self.steps:
                raise ValueError(f"check {self.name}: per_step[{k!r}] has {n} entries, "
                                 f"steps={self.steps}")
        for lay in self.layout.values():
            if lay not in wire.LAYOUTS:
                raise ValueError(f"check {self.name}: unknown layout {lay!r}")
        return {
            "name": self.name,
            "regime": self.regime,
            "steps": self.steps,
            "args": [a for a in spec.args if a in self.inputs or a in self.per_step],
            "inputs": {k: wire.encode_value(v, blob) for k, v in self.inputs.items()},
            "per_step": {k: wire.encode_value(list(v) if isinstance(v, list) else v, blob)
                         for k, v in self.per_step.items()},
            "layout": dict(self.layout),
            "returns": spec.returns_plan(),
            "updates": list(spec.updates),
            "carry": dict(spec.carry),
            "same": dict(spec.same),
            "grads": list(spec.grads),
        }

    def describe(self) -> JsonObject:
        per_step: JsonObject = {}
        for k, v in self.per_step.items():
            if isinstance(v, torch.Tensor):
                per_step[k] = {"dtype": str(v.dtype).removeprefix("torch."),
                               "shape": list(v.shape[1:])}
            else:
                vals = list(v)
                per_step[k] = ([_described(x) for x in vals] if len(vals) <= 8
                               else f"{vals[0]!r} .. {vals[-1]!r}")
        return {"name": self.name, "regime": self.regime, "steps": self.steps,
                "inputs": {k: _described(v) for k, v in self.inputs.items()},
                "per_step": per_step, "layout": dict(self.layout)}


def _described(v: object) -> JsonValue:
    """An input as ``describe`` shows it: a tensor's dtype and shape, not its values."""
    if isinstance(v, torch.Tensor):
        return {"dtype": str(v.dtype).removeprefix("torch."), "shape": list(v.shape)}
    if isinstance(v, Generator):
        return f"Generator(seed={v.seed})"
    if isinstance(v, (list, tuple)):
        return [_described(x) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return repr(v)  # nothing else reaches a plan (wire.encode_value refuses it)


class Variant:
    """Deterministic randomness for one set of checks.

    ``Variant(None)`` is canonical: ``pick`` returns its first argument and the data comes
    from a fixed seed.  ``Variant(seed)`` draws shapes and hyperparameters too.
    """

    def __init__(self, seed: int | None):
        self.seed = seed
        self.canonical = seed is None
        base = CANONICAL_SEED if seed is None else (int(seed) * 7919 + 1) % (2**63)
        self.gen = torch.Generator().manual_seed(base)
        self.rng = random.Random(base)

    # -- choices -------------------------------------------------------------
    def pick(self, canonical: T, *alternatives: T) -> T:
        """``canonical`` for the canonical checks, else one of all the options."""
        if self.canonical or not alternatives:
            return canonical
        return self.rng.choice((canonical, *alternatives))

    def uniform(self, lo: float, hi: float, canonical: float | None = None) -> float:
        if self.canonical and canonical is not None:
            return canonical
        return self.rng.uniform(lo, hi)

    def log_uniform(self, lo: float, hi: float, canonical: float | None = None) -> float:
        if self.canonical and canonical is not None:
            return canonical
        return math.exp(self.rng.uniform(math.log(lo), math.log(hi)))

    def integer(self, lo: int, hi: int, canonical: int | None = None) -> int:
        if self.canonical and canonical is not None:
            return canonical
        return self.rng.randint(lo, hi)

    def seed_int(self) -> int:
        return self.rng.randrange(1, 2**31)

    # -- data ----------------------------------------------------------------
    def randn(self, *shape: int, dtype: torch.dtype = torch.float32, scale: float = 1.0,
              shift: float = 0.0) -> torch.Tensor:
        t = torch.randn(shape, generator=self.gen, dtype=torch.float64) * scale + shift
        return t.to(dtype)

    def rand(self, *shape: int, dtype: torch.dtype = torch.float32, lo: float = 0.0,
             hi: float = 1.0) -> torch.Tensor:
        t = torch.rand(shape, generator=self.gen, dtype=torch.float64) * (hi - lo) + lo
        return t.to(dtype)

    def randint(self, lo: int, hi: int, *shape: int) -> torch.Tensor:
        return torch.randint(lo, hi, shape, generator=self.gen)


def stacked(values: Sequence[torch.Tensor]) -> torch.Tensor:
    """Stack per-step tensors for ``Check.per_step``."""
    return torch.stack(list(values))


def optimizer_step(opt_cls: Callable[..., torch.optim.Optimizer], param: torch.Tensor,
                   grad: torch.Tensor, state: Mapping[str, object], **hparams: object
                   ) -> tuple[torch.Tensor, dict[str, object]]:
    """One step of a real ``torch.optim`` optimizer from an explicit state.

    ``state`` holds the optimizer's per-parameter state by torch's own key names (for Adam:
    ``step``, ``exp_avg``, ``exp_avg_sq``); tensors are cloned, so the caller's inputs are
    never touched.  Returns ``(new_param, new_state)``.  Use it in references::

        p, st = optimizer_step(torch.optim.Adam, param, grad,
                               {"step": t - 1, "exp_avg": m, "exp_avg_sq": v},
                               lr=lr, betas=(beta1, beta2), eps=eps)
    """
    p = param.detach().clone()
    p.grad = grad.detach().clone()
    opt = opt_cls([p], **hparams)
    st: dict[str, object] = {}
    for k, v in state.items():
        if k == "step":
            if not isinstance(v, (SupportsFloat, str)):
                raise TypeError(f"the optimizer's step must be a number, not {v!r}")
            st[k] = torch.tensor(float(v), dtype=torch.float32)
        elif isinstance(v, torch.Tensor):
            st[k] = v.detach().clone()
        else:
            st[k] = v
    if st:
        opt.state[p] = st
    with torch.no_grad():
        opt.step()
    return p.detach(), dict(opt.state[p])


def describe_variant(exercise_id: str, seed: int | None,
                     roots: Sequence[Path | str] | None = None) -> JsonObject:
    """Shapes, dtypes and hyperparameters of an exercise's checks for ``seed`` (``None``:
    the canonical checks).  Runs ``checks.py`` in this process, so it imports torch; from a
    torch-free process (the TUI) use ``GraderClient.describe_variant`` instead."""
    # deferred: keeps the exercise loader out of kit, which every checks.py imports
    import importlib.util

    from .exercises import load_exercise

    meta = load_exercise(exercise_id, roots)
    spec = importlib.util.spec_from_file_location(
        f"studyapp_describe_{exercise_id.replace('-', '_')}", meta.checks_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {meta.checks_path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return {"exercise": meta.id, "seed": seed,
            "checks": [c.describe() for c in mod.checks(Variant(seed))]}
