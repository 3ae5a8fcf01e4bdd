"""Contract-based diagnosis probes (trusted side, imports torch).

Mutants name mistakes someone wrote down in advance.  Probes name mistakes from the
exercise's *contract* alone: each probe is a hypothesis "the submission equals the
reference with one thing changed", built from ``reference``'s signature and ``SPEC``:

- hyperparameter probes: one keyword argument held at its default ("your step ignores
  lr"), set to zero ("eps has no effect"), replaced by ``1 - value`` ("beta weights the new
  gradient"), or two of them swapped ("beta1 and beta2 are used the other way round");
- relation probes: the step counter shifted by one ("t counted from 0"), two positional
  arguments swapped, the update's sign flipped, the update scaled by a constant factor
  (fitted from the evidence, named only when it is a plain number), a sum where the
  reference takes a mean (or the reverse), the computation done in a lower precision, a
  returned state that is the input unchanged, and a buffer the contract says is updated in
  place left untouched.

A probe is run exactly like a mutant: through ``runner.run`` on the very inputs of every
check (so carried state compounds the same way), and it names the mistake only when it
reproduces the submission on *every* compared check: the same status as the submission's
on each check, and the submission's own outputs within a loosened tolerance on every
failing one.  Agreement at NaN or infinity never counts unless the reference is non-finite
there too.  Probes of different kinds that all match are ambiguous and name nothing.
Records are computed lazily per (probe, check), failing checks first, and cached on the
prepared exercise; a passing submission never reaches this module.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import json
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import torch

from . import runner, wire
from .compare import Close
from .kit import Check, Spec
from .verdict import Diagnosis

if TYPE_CHECKING:
    from .exercises import ExerciseMeta

_LOWER = {torch.float64: (torch.float32,), torch.float32: (torch.bfloat16, torch.float16)}
_STEP_NAMES = ("t", "step", "timestep")
# factors worth naming when a whole update or output is off by one
_COMMON_CONSTANTS = (0.9, 0.99, 0.999)
_NICE_FACTORS = (-1.0, 2.0, 0.5, -2.0, -0.5, 3.0, 1 / 3, 4.0, 0.25, 10.0, 0.1, 100.0, 0.01)


class PreparedExercise(Protocol):
    """What probes read of a prepared exercise (``worker.Prepared``)."""

    @property
    def meta(self) -> ExerciseMeta: ...
    @property
    def spec(self) -> Spec: ...
    @property
    def reference(self) -> Callable[..., object]: ...
    @property
    def checks(self) -> list[Check]: ...
    @property
    def by_name(self) -> dict[str, Check]: ...
    def materialize(self, name: str) -> runner.Materialized: ...


Record = runner.Records  # runner.stack's record of one run: slots and same-flags


@dataclass
class Probe:
    """One hypothesis: ``fn`` has the entry's signature and computes the hypothesis."""

    id: str
    group: str  # probes of one group that match together are not ambiguous
    what: str
    fix: str
    fn: Callable[..., object]
    # describes the hypothesis for one check: "torch.optim.Adam with lr = 0.001"
    evidence: Callable[[Check], str]
    # checks where the probe differs from the reference (None: any)
    relevant: Callable[[Check], bool] | None = None
    # compare with this dtype's tolerances (a lower-precision hypothesis is only as exact
    # as its own arithmetic)
    tol_dtype: torch.dtype | None = None
    key: str = ""  # unique among the exercise's probes (records are cached by it)


def _fmt(x: object) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x) if isinstance(x, str) else str(x)


def _hyper_value(check: Check, name: str, default: Any) -> Any:
    return check.inputs.get(name, default)


def _tensor_args(check: Check) -> dict[str, torch.Tensor]:
    return {k: v for k, v in check.inputs.items() if isinstance(v, torch.Tensor)}


class _Ref:
    """The reference called with named arguments, defaults applied."""

    def __init__(self, reference: Callable[..., Any]):
        self.reference = reference
        self.sig = inspect.signature(reference)

    def bound(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        b = self.sig.bind(*args, **kwargs)
        b.apply_defaults()
        return dict(b.arguments)

    def call(self, arguments: dict[str, Any]) -> Any:
        return self.reference(**arguments)


def _with_args(ref: _Ref, change: Callable[[dict[str, Any]], None]) -> Callable[..., Any]:
    def fn(*args: Any, **kwargs: Any) -> Any:
        a = ref.bound(args, kwargs)
        change(a)
        return ref.call(a)

    return fn


def _hyperparameters(prep: PreparedExercise, ref: _Ref) -> dict[str, Any]:
    """Keyword parameters with a default (the exercise's hyperparameters)."""
    out = {}
    for name, p in ref.sig.parameters.items():
        if p.default is inspect.Parameter.empty or name in prep.spec.args:
            continue
        out[name] = p.default
    return out


def _passed_values(prep: PreparedExercise, name: str, default: Any) -> list[Any]:
    vals = []
    for c in prep.checks:
        v = _hyper_value(c, name, default)
        if not isinstance(v, torch.Tensor):
            vals.append(v)
    return vals


def build(prep: PreparedExercise) -> list[Probe]:
    """Every probe of the exercise's contract, in priority order, each with a unique key."""
    ctx = _Contract(prep)
    # order is priority: when two hypotheses are the same function on every check (momentum
    # = 0 and "running buffers never updated"), the first one names the mistake
    probes = [
        *_output_probes(ctx),
        *_held_at_default_probes(ctx),
        *_numeric_hyperparameter_probes(ctx),
        *_swapped_hyperparameter_probes(ctx),
        *_step_counter_probes(ctx),
        *_swapped_argument_probes(ctx),
        *_transposed_probes(ctx),
        *_precision_probes(ctx),
    ]
    for i, p in enumerate(probes):
        p.key = f"{i}:{p.id}"
    return probes


class _Contract:
    """What every probe builder reads: the prepared exercise, its bound reference, the
    names failures use, and the reference's hyperparameters."""

    def __init__(self, prep: PreparedExercise):
        self.prep = prep
        self.spec = prep.spec
        self.ref = _Ref(prep.reference)
        self.refname = prep.spec.reference_name
        self.entry = prep.meta.entry
        self.hyper = _hyperparameters(prep, self.ref)
        self.numeric = {k: d for k, d in self.hyper.items() if _is_number(d)}

    def passed_values(self, name: str) -> list[Any]:
        return _passed_values(self.prep, name, self.hyper[name])


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _set_to(name: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(a: dict[str, Any]) -> None:
        a[name] = value

    return change


def _ignores_probe(ctx: _Contract, name: str, value: Any, default: Any,
                   fix_tail: str) -> Probe:
    """Hypothesis: ``name`` is always ``value``, whatever the caller passes."""
    return Probe(
        f"ignores-{name}", f"ignores-{name}",
        f"Your {ctx.entry} ignores {name}: it behaves as if {name} were always "
        f"{_fmt(value)}, whatever the caller passes.",
        f"Use the {name} argument that is passed in (do not hard-code "
        f"{_fmt(value)}{fix_tail}).",
        _with_args(ctx.ref, _set_to(name, value)),
        lambda c: f"{ctx.refname} with {name} = {_fmt(value)}",
        lambda c: _hyper_value(c, name, default) != value)


def _held_at_default_probes(ctx: _Contract) -> list[Probe]:
    """One hyperparameter held at its default whatever the caller passes."""
    out = []
    for name, default in ctx.hyper.items():
        if isinstance(default, torch.Tensor) or default is None:
            continue
        if all(v == default for v in ctx.passed_values(name)):
            continue  # no check passes another value: holding the default changes nothing
        out.append(_ignores_probe(ctx, name, default, default, " or read a global"))
    return out


def _numeric_hyperparameter_probes(ctx: _Contract) -> list[Probe]:
    """Per numeric hyperparameter: held at another constant, set to zero, complemented."""
    out: list[Probe] = []
    for name, default in ctx.numeric.items():
        out.extend(_held_at_constant_probes(ctx, name, default))
        if default != 0:
            out.append(_zero_probe(ctx, name))
        complement = _complement_probe(ctx, name, default)
        if complement is not None:
            out.append(complement)
    return out


def _held_at_constant_probes(ctx: _Contract, name: str, default: Any) -> list[Probe]:
    """Held at another constant: a value some check passes, or a common textbook one
    (RMSprop's alpha = 0.9 from lecture notes, where torch's default is 0.99)."""
    passed = ctx.passed_values(name)
    if len(set(passed)) < 2:
        return []  # no check tells one constant from the value passed
    constants = {v for v in passed if _is_number(v)}
    if isinstance(default, float) and 0.5 <= default < 1:  # a smoothing constant
        constants |= set(_COMMON_CONSTANTS)
    constants -= {default, 0}
    return [_ignores_probe(ctx, name, const, default, "") for const in sorted(constants)]


def _zero_probe(ctx: _Contract, name: str) -> Probe:
    def zero(a: dict[str, Any]) -> None:
        a[name] = type(a[name])(0) if isinstance(a[name], (int, float)) else 0

    return Probe(
        f"{name}-no-effect", f"ignores-{name}",
        f"{name} has no effect in your {ctx.entry}: your outputs equal {ctx.refname} with "
        f"{name} = 0.",
        f"Apply {name} where the formula puts it; check the prompt's formula term "
        f"by term.",
        _with_args(ctx.ref, zero),
        lambda c: f"{ctx.refname} with {name} = 0")


def _complement_probe(ctx: _Contract, name: str, default: Any) -> Probe | None:
    """``1 - value`` where the value belongs: only for smoothing constants (every value
    passed in (0, 1), a default of at least 0.5), never for learning rates."""
    values = [v for v in ctx.passed_values(name) if _is_number(v)]
    if not (values and all(0 < v < 1 for v in values) and isinstance(default, float)
            and default >= 0.5):
        return None

    def complement(a: dict[str, Any]) -> None:
        a[name] = 1.0 - a[name]

    return Probe(
        f"complement-{name}", f"complement-{name}",
        f"You use 1 - {name} where the formula has {name} (and {name} where it has "
        f"1 - {name}): your outputs equal {ctx.refname} with {name} replaced by "
        f"1 - {name}.",
        f"In the moving average, {name} multiplies the old value and (1 - {name}) "
        f"the new one.",
        _with_args(ctx.ref, complement),
        lambda c: f"{ctx.refname} with {name} = {_fmt(1 - _hyper_value(c, name, default))}")


def _swapping(x: str, y: str) -> Callable[[dict[str, Any]], None]:
    def change(a: dict[str, Any]) -> None:
        a[x], a[y] = a[y], a[x]

    return change


def _swapped_hyperparameter_probes(ctx: _Contract) -> list[Probe]:
    """Two float hyperparameters used the other way round."""
    return [_swapped_hyperparameter_probe(ctx, n1, d1, n2, d2)
            for (n1, d1), (n2, d2) in itertools.combinations(ctx.numeric.items(), 2)
            if isinstance(d1, float) and isinstance(d2, float)]


def _swapped_hyperparameter_probe(ctx: _Contract, n1: str, d1: float, n2: str, d2: float
                                  ) -> Probe:
    return Probe(
        f"swapped-{n1}-{n2}", f"swapped-{n1}-{n2}",
        f"{n1} and {n2} are used the other way round in your {ctx.entry}.",
        f"Check which of {n1} and {n2} belongs to which term of the formula.",
        _with_args(ctx.ref, _swapping(n1, n2)),
        lambda c: (f"{ctx.refname} with {n1} = {_fmt(_hyper_value(c, n2, d2))} and "
                   f"{n2} = {_fmt(_hyper_value(c, n1, d1))}"))


def _step_counter_probes(ctx: _Contract) -> list[Probe]:
    """The step counter shifted by one either way."""
    return [_shifted_step_probe(ctx, name, shift)
            for name in ctx.ref.sig.parameters if name in _STEP_NAMES for shift in (-1, 1)]


def _shifted_step_probe(ctx: _Contract, name: str, shift: int) -> Probe:
    refname = ctx.refname
    if shift < 0:
        what = (f"Your {name} is off by one: your outputs equal {refname} with "
                f"{name} - 1 (the step counted from 0).")
        fix = (f"{name} counts steps from 1: the first step uses {name} = 1 as passed; "
               f"do not subtract 1 (or add 1 before using it only if you counted from 0).")
    else:
        what = (f"Your {name} is off by one: your outputs equal {refname} with "
                f"{name} + 1 (one step ahead).")
        fix = f"Use {name} exactly as passed; it already counts this step."

    def shifted(a: dict[str, Any]) -> None:
        a[name] = a[name] + shift

    return Probe(
        f"{name}-off-by-one" if shift < 0 else f"{name}-one-ahead", "step-counter",
        what, fix, _with_args(ctx.ref, shifted),
        lambda c: f"{refname} with {name} {'-' if shift < 0 else '+'} 1")


def _swappable(c: Check, x: str, y: str) -> bool:
    a, b = c.inputs.get(x), c.inputs.get(y)
    return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
            and a.shape == b.shape and a.dtype == b.dtype)


def _swapped_argument_probes(ctx: _Contract) -> list[Probe]:
    """Two positional tensor arguments swapped (when some check gives them one shape:
    otherwise a swap could not even run)."""
    return [_swapped_argument_probe(ctx, a1, a2)
            for a1, a2 in itertools.combinations(ctx.spec.args, 2)
            if any(_swappable(c, a1, a2) for c in ctx.prep.checks)]


def _swapped_argument_probe(ctx: _Contract, a1: str, a2: str) -> Probe:
    return Probe(
        f"swapped-{a1}-{a2}", f"swapped-{a1}-{a2}",
        f"Your {ctx.entry} uses {a1} where it should use {a2} and the other way round.",
        f"Check each use of {a1} and {a2} against the formula.",
        _with_args(ctx.ref, _swapping(a1, a2)),
        lambda c: f"{ctx.refname} with {a1} and {a2} swapped")


def _is_square(x: object) -> bool:
    return isinstance(x, torch.Tensor) and x.dim() == 2 and x.shape[0] == x.shape[1]


def _transposed_probes(ctx: _Contract) -> list[Probe]:
    """A matrix argument used transposed (square ones: a non-square one would not run)."""
    return [_transposed_probe(ctx, arg) for arg in ctx.spec.args
            if any(_is_square(c.inputs.get(arg)) for c in ctx.prep.checks)]


def _transposed_probe(ctx: _Contract, arg: str) -> Probe:
    def transposed(a: dict[str, Any]) -> None:
        x = a[arg]
        if _is_square(x):
            a[arg] = x.T

    return Probe(
        f"transposed-{arg}", f"transposed-{arg}",
        f"Your {ctx.entry} uses {arg} transposed.",
        f"Check the orientation of {arg}: torch stores a weight as (out_features, "
        f"in_features), so x @ {arg}.T (or F.linear) applies it.",
        _with_args(ctx.ref, transposed), lambda c: f"{ctx.refname} with {arg}.T",
        lambda c: _is_square(c.inputs.get(arg)))


def _returned_names(spec: Spec) -> list[str]:
    if isinstance(spec.returns, str):
        return [spec.returns]
    return list(spec.returns) if spec.returns else []


def _on_returned(ctx: _Contract, slot: str,
                 f: Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]
                 ) -> Callable[..., Any]:
    """The reference with its returned ``slot`` replaced by ``f(value, argument before the
    call)`` (the argument carried into ``slot``; None when there is none)."""
    idx = _returned_names(ctx.spec).index(slot)
    arg = {s: a for a, s in ctx.spec.carry.items()}.get(slot, "")

    def fn(*args: Any, **kwargs: Any) -> Any:
        a = ctx.ref.bound(args, kwargs)
        before = a.get(arg)
        before = before.detach().clone() if isinstance(before, torch.Tensor) else None
        r = ctx.ref.call(a)
        if isinstance(r, tuple):
            r = list(r)
            r[idx] = f(r[idx], before)
            return tuple(r)
        return f(r, before)

    return fn


def _output_probes(ctx: _Contract) -> list[Probe]:
    """Per returned value: the input returned unchanged and the sign flipped; per buffer
    updated in place: the update never written back."""
    slot_to_arg = {slot: arg for arg, slot in ctx.spec.carry.items()}
    out: list[Probe] = []
    for slot in _returned_names(ctx.spec):
        if slot in ctx.spec.same:
            continue
        arg = slot_to_arg.get(slot)
        if arg is not None:
            out += [_returns_input_probe(ctx, slot, arg), _flipped_update_probe(ctx, slot, arg)]
        else:
            out.append(Probe(
                f"flipped-sign-{slot}", "sign",
                f"Your {slot} has the wrong sign: it is exactly minus {ctx.refname}'s.",
                "Check the sign of each term (a loss is -log p, not log p).",
                _on_returned(ctx, slot, lambda r, before: -r),
                lambda c: f"minus {ctx.refname}"))
    if len(ctx.spec.updates) > 1:
        out.append(_none_updated_probe(ctx))
    out.extend(_not_updated_probe(ctx, arg) for arg in ctx.spec.updates)
    return out


def _carried(before: torch.Tensor | None) -> torch.Tensor:
    if before is None:  # the check passed no tensor for the carried argument
        raise TypeError("the hypothesis needs the carried argument as a tensor")
    return before


def _returns_input_probe(ctx: _Contract, slot: str, arg: str) -> Probe:
    def unchanged(r: torch.Tensor, before: torch.Tensor | None) -> torch.Tensor:
        return _carried(before).clone()

    return Probe(
        f"returns-input-{slot}", f"returns-input-{slot}",
        f"Your {slot} is the {arg} that was passed in, unchanged: the update never "
        f"reaches it.",
        f"Compute the new value and return it (an in-place update of a local copy, "
        f"or a result that is never assigned, leaves {slot} as it was).",
        _on_returned(ctx, slot, unchanged),
        lambda c: f"the {arg} you were given, unchanged")


def _flipped_update_probe(ctx: _Contract, slot: str, arg: str) -> Probe:
    def negated(r: torch.Tensor, before: torch.Tensor | None) -> torch.Tensor:
        return 2 * _carried(before) - r

    return Probe(
        f"flipped-sign-{slot}", "sign",
        f"Your update of {arg} has the wrong sign: {slot} moves by exactly minus what "
        f"{ctx.refname} moves it by.",
        "Subtract the step (param - lr * ...), do not add it: the update goes "
        "against the gradient.",
        _on_returned(ctx, slot, negated),
        lambda c: f"{ctx.refname} with the update of {arg} negated")


def _restoring(ctx: _Contract, names: tuple[str, ...]) -> Callable[..., Any]:
    """The reference with the buffers ``names`` put back as they were after the call."""
    def fn(*args: Any, **kwargs: Any) -> Any:
        a = ctx.ref.bound(args, kwargs)
        saved = {k: a[k].detach().clone() for k in names}
        r = ctx.ref.call(a)
        with torch.no_grad():
            for k, v in saved.items():
                a[k].copy_(v)
        return r

    return fn


def _none_updated_probe(ctx: _Contract) -> Probe:
    both = " and ".join(ctx.spec.updates)
    return Probe(
        "no-inplace-update", "no-inplace-update",
        f"Your {ctx.entry} never updates {both} in place: the caller's buffers are unchanged "
        f"afterwards.",
        "Write the new values into the tensors themselves (buf.mul_(...).add_(...), "
        "buf.copy_(new) or buf[:] = new); rebinding the name (buf = ...) only changes "
        "your local variable.",
        _restoring(ctx, ctx.spec.updates), lambda c: f"{ctx.refname} with {both} left untouched")


def _not_updated_probe(ctx: _Contract, arg: str) -> Probe:
    return Probe(
        f"no-inplace-{arg}", f"no-inplace-{arg}",
        f"Your {ctx.entry} never updates {arg} in place: the caller's {arg} is unchanged "
        f"afterwards.",
        f"Write the new values into the {arg} tensor itself ({arg}.copy_(new), "
        f"{arg}.mul_(...).add_(...), or {arg}[:] = new); rebinding the name "
        f"({arg} = ...) only changes your local variable.",
        _restoring(ctx, (arg,)), lambda c: f"{ctx.refname} with {arg} left untouched")


def _precision_probes(ctx: _Contract) -> list[Probe]:
    """The computation done in a lower precision than the inputs' (float64 -> float32,
    float32 -> bfloat16 / float16)."""
    return [_precision_probe(ctx, high, low) for high, lows in _LOWER.items() for low in lows]


def _precision_probe(ctx: _Contract, high: torch.dtype, low: torch.dtype) -> Probe:
    lname, hname = (str(low).removeprefix("torch."), str(high).removeprefix("torch."))
    return Probe(
        f"{lname}-arithmetic", "precision",
        f"Your {ctx.entry} computes in {lname} on {hname} inputs: the outputs equal "
        f"{ctx.refname} evaluated in {lname} and converted back.",
        f"Keep the computation in the inputs' dtype: do not call .float()/.half() or "
        f"create {lname} tensors (use torch.zeros_like(x) or dtype=x.dtype).",
        _in_lower_precision(ctx, high, low),
        lambda c: f"{ctx.refname} computed in {lname}",
        lambda c: any(t.dtype == high for t in _tensor_args(c).values()),
        tol_dtype=low)


def _in_lower_precision(ctx: _Contract, high: torch.dtype, low: torch.dtype
                        ) -> Callable[..., Any]:
    """The reference run on ``low`` copies of its ``high`` tensor arguments, its results (and
    the buffers the contract updates in place) converted back to ``high``."""
    updates = tuple(ctx.spec.updates)

    def fn(*args: Any, **kwargs: Any) -> Any:
        a = ctx.ref.bound(args, kwargs)
        originals = {k: v for k, v in a.items()
                     if isinstance(v, torch.Tensor) and v.dtype == high}
        if not originals:
            return ctx.ref.call(a)
        low_args = dict(a)
        for k, v in originals.items():
            low_args[k] = v.detach().to(low)
        r = ctx.ref.call(low_args)
        for k in updates:  # buffers the contract updates in place
            if k in originals:
                with torch.no_grad():
                    originals[k].copy_(low_args[k].to(high))

        def back(x: Any) -> Any:
            if isinstance(x, torch.Tensor) and x.dtype == low:
                return x.to(high)
            for k, v in originals.items():
                if x is low_args[k]:
                    return v
            return x

        return tuple(back(x) for x in r) if isinstance(r, tuple) else back(r)

    return fn


# -- fitted relations: constant factor, sum vs mean (no re-run needed) ------------------------

def fitted_factor(expected: torch.Tensor, got: torch.Tensor, before: torch.Tensor | None
                  ) -> float | None:
    """The least-squares c with got - before ~= c * (expected - before) (before: None -> 0)."""
    e = expected.double().reshape(-1)
    g = got.double().reshape(-1)
    if before is not None:
        b = before.double().reshape(-1)
        e, g = e - b, g - b
    if not (bool(e.isfinite().all()) and bool(g.isfinite().all())):
        return None
    den = float((e * e).sum())
    if den == 0.0 or not math.isfinite(den):
        return None
    return float((e * g).sum()) / den


def nice_factor(c: float | None) -> float | None:
    if c is None or not math.isfinite(c):
        return None
    for f in _NICE_FACTORS:
        if abs(c - f) <= 1e-6 * abs(f):
            return f
    return None


def scaled_probe(prep: PreparedExercise, slot: str, factor: float) -> Probe:
    """Probe: ``slot`` (its update, when carried) scaled by ``factor``."""
    ref = _Ref(prep.reference)
    spec = prep.spec
    idx = _returned_names(spec).index(slot)
    arg = {s: a for a, s in spec.carry.items()}.get(slot)

    def fn(*args: Any, **kwargs: Any) -> Any:
        a = ref.bound(args, kwargs)
        before = a.get(arg) if arg else None
        before = before.detach().clone() if isinstance(before, torch.Tensor) else None
        r = ref.call(a)

        def f(x: torch.Tensor) -> torch.Tensor:
            return before + factor * (x - before) if before is not None else factor * x

        if isinstance(r, tuple):
            r = list(r)
            r[idx] = f(r[idx])
            return tuple(r)
        return f(r)

    refname = spec.reference_name
    what_moves = f"update of {arg}" if arg else slot
    fx = _fmt(factor)
    return Probe(
        f"factor-{slot}", f"factor-{slot}",
        f"Your {what_moves} is {fx} times {refname}'s: the formula is right up to a constant "
        f"factor of {fx}.",
        "Look for a missing or extra constant: a factor of 2 from a derivative, a division "
        "by the size, or a learning rate applied twice.",
        fn, lambda c: f"{refname} with its {what_moves} multiplied by {fx}",
        key=f"factor:{slot}:{factor!r}")


@dataclass
class _ProbeCache:
    """Per prepared exercise: its probes (built on first need) and each probe's record per
    check (None: the hypothesis could not run there)."""

    probes: list[Probe] | None = None
    records: dict[tuple[str, str], Record | None] = field(default_factory=dict)


# kept as long as the prepared exercise is (the worker drops one when its files change)
_CACHES: weakref.WeakKeyDictionary[PreparedExercise, _ProbeCache] = weakref.WeakKeyDictionary()


def _cache(prep: PreparedExercise) -> _ProbeCache:
    cache = _CACHES.get(prep)
    if cache is None:
        cache = _CACHES[prep] = _ProbeCache()
    return cache


def run_probe(prep: PreparedExercise, probe: Probe, check: Check) -> Record | None:
    records = _cache(prep).records
    key = (probe.key or probe.id, check.name)
    if key not in records:
        try:
            records[key] = runner.stack(runner.run(probe.fn, prep.materialize(check.name)))
        except Exception:  # noqa: BLE001 - a hypothesis that cannot run never matches
            records[key] = None
    return records[key]


def probes_for(prep: PreparedExercise) -> list[Probe]:
    cache = _cache(prep)
    if cache.probes is None:
        try:
            cache.probes = build(prep)
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus
            cache.probes = []
    return cache.probes


# -- sensitivity probes: the submission re-run with one hyperparameter changed ---------------

SENSITIVITY_PREFIX = "sensitivity:"


def _perturbed(x: Any) -> Any:
    """Another value of a hyperparameter that any correct implementation responds to."""
    if isinstance(x, bool):
        return not x
    if isinstance(x, int):
        return x + 1
    if isinstance(x, float):
        if x == 0.0:
            return 0.5
        if abs(x) < 1e-3:
            return x * 1e4  # eps: large enough to matter
        if 0.5 <= x < 1.0:
            return x / 2  # smoothing constants (beta, alpha, momentum, gamma)
        return x * 2
    return None


def sensitivity_plan(prep: PreparedExercise, failing: list[str]
                     ) -> tuple[list[Check], str, bytes] | None:
    """Checks to re-run the submission on: the cheapest failing check as given, and one copy
    per hyperparameter with only that hyperparameter changed.  Returns (checks, plan JSON,
    blob) for the sandbox, or None when there is nothing to vary."""
    cands = [prep.by_name[n] for n in failing if n in prep.by_name]
    if not cands:
        return None
    base = min(cands, key=lambda c: c.steps)
    ref = _Ref(prep.reference)
    hyper = _hyperparameters(prep, ref)
    checks = [dataclasses.replace(base, name=f"{SENSITIVITY_PREFIX}base")]
    for name, default in hyper.items():
        if name in base.per_step:
            continue
        value = base.inputs.get(name, default)
        new = _perturbed(value)
        if new is None:
            continue
        checks.append(dataclasses.replace(base, name=f"{SENSITIVITY_PREFIX}{name}",
                                          inputs={**base.inputs, name: new}))
    if len(checks) < 2:
        return None
    blob = wire.BlobWriter()
    plan = {"checks": [c.to_plan(prep.spec, blob) for c in checks]}
    return checks, json.dumps(plan, separators=(",", ":")), blob.getvalue()


def _same_outputs(check: Check, a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    """Whether two runs' outputs agree within the check's tolerance (None: not comparable)."""
    cmp = check.comparator()
    if not isinstance(cmp, Close):
        cmp = Close()
    for slot, ta in a.items():
        tb = b.get(slot)
        if not isinstance(ta, torch.Tensor) or not isinstance(tb, torch.Tensor):
            return None
        if ta.shape != tb.shape or ta.dtype != tb.dtype:
            return False
        if not (bool(ta.isfinite().all()) and bool(tb.isfinite().all())):
            return None  # inf/NaN outputs say nothing about sensitivity
        if cmp(ta, tb) is not None:
            return False
    return True


def sensitivity_findings(prep: PreparedExercise, checks: list[Check],
                         got: dict[str, dict[str, torch.Tensor]]
                         ) -> list[tuple[str, object, object]]:
    """Hyperparameters the submission ignores: changing one leaves the submission's outputs
    unchanged while the reference's move.  ``got``: the submission's stacked outputs per
    check name.  Returns [(name, base value, changed value)]."""
    base = checks[0]
    sub_base = got.get(base.name)
    if not sub_base:
        return []
    ref_out: dict[str, dict[str, torch.Tensor]] = {}
    writer = wire.BlobWriter()
    plan = {c.name: c.to_plan(prep.spec, writer) for c in checks}
    blob = writer.getvalue()
    for c in checks:
        try:
            rec = runner.stack(runner.run(prep.reference,
                                          runner.Materialized(plan[c.name], blob, "cpu")))
        except Exception:  # noqa: BLE001
            return []
        ref_out[c.name] = rec["slots"]
    found = []
    ref = _Ref(prep.reference)
    hyper = _hyperparameters(prep, ref)
    for c in checks[1:]:
        name = c.name.removeprefix(SENSITIVITY_PREFIX)
        sub = got.get(c.name)
        if not sub:
            continue
        ref_moved = _same_outputs(c, ref_out[base.name], ref_out[c.name]) is False
        sub_still = _same_outputs(c, sub_base, sub) is True
        if ref_moved and sub_still:
            found.append((name, base.inputs.get(name, hyper.get(name)), c.inputs[name]))
    return found


def sensitivity_diagnosis(prep: PreparedExercise, checks: list[Check],
                          got: dict[str, dict[str, torch.Tensor]]) -> Diagnosis | None:
    """A ``Diagnosis`` naming the ignored hyperparameter(s), or None."""
    found = sensitivity_findings(prep, checks, got)
    if not found:
        return None
    entry, refname = prep.meta.entry, prep.spec.reference_name
    names = [n for n, _a, _b in found]
    moves = "; ".join(f"{n} from {_fmt(a)} to {_fmt(b)}" for n, a, b in found)
    if len(found) == 1:
        n = names[0]
        what = f"Your {entry} ignores {n}: changing it does not change your output."
        fix = (f"Use the {n} argument in the formula where it belongs (a hard-coded value, a "
               f"global or a misspelled name leaves it unused).")
        did = f"ignores-{n}"
    else:
        what = (f"Your {entry} ignores {', '.join(names)}: changing them does not change "
                f"your output.")
        fix = "Use each argument that is passed in, where the formula puts it."
        did = "ignores-hyperparameters"
    evidence = (f'on the "{checks[0].regime}" check re-run with {moves}, your output stayed '
                f"the same while {refname}'s changed")
    return Diagnosis(did, f"{what} {fix}", what=what, fix=fix, evidence=evidence,
                     source="sensitivity")
