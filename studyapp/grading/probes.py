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

import inspect
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from . import runner

_LOWER = {torch.float64: (torch.float32,), torch.float32: (torch.bfloat16, torch.float16)}
_STEP_NAMES = ("t", "step", "timestep")
# factors worth naming when a whole update or output is off by one
_COMMON_CONSTANTS = (0.9, 0.99, 0.999)
_NICE_FACTORS = (-1.0, 2.0, 0.5, -2.0, -0.5, 3.0, 1 / 3, 4.0, 0.25, 10.0, 0.1, 100.0, 0.01)


@dataclass
class Probe:
    """One hypothesis: ``fn`` has the entry's signature and computes the hypothesis."""

    id: str
    group: str  # probes of one group that match together are not ambiguous
    what: str
    fix: str
    fn: Callable[..., Any]
    # describes the hypothesis for one check: "torch.optim.Adam with lr = 0.001"
    evidence: Callable[[Any], str]
    # checks where the probe differs from the reference (None: any)
    relevant: Callable[[Any], bool] | None = None
    # compare with this dtype's tolerances (a lower-precision hypothesis is only as exact
    # as its own arithmetic)
    tol_dtype: torch.dtype | None = None
    key: str = ""  # unique among the exercise's probes (records are cached by it)


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.6g}"
    return repr(x) if isinstance(x, str) else str(x)


def _hyper_value(check: Any, name: str, default: Any) -> Any:
    return check.inputs.get(name, default)


def _tensor_args(check: Any) -> dict[str, torch.Tensor]:
    return {k: v for k, v in check.inputs.items() if isinstance(v, torch.Tensor)}


class _Ref:
    """The reference called with named arguments, defaults applied."""

    def __init__(self, reference: Callable[..., Any]):
        self.reference = reference
        self.sig = inspect.signature(reference)

    def bound(self, args: tuple, kwargs: dict) -> dict[str, Any]:
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


def _hyperparameters(prep: Any, ref: _Ref) -> dict[str, Any]:
    """Keyword parameters with a default (the exercise's hyperparameters)."""
    out = {}
    for name, p in ref.sig.parameters.items():
        if p.default is inspect.Parameter.empty or name in prep.spec.args:
            continue
        out[name] = p.default
    return out


def _passed_values(prep: Any, name: str, default: Any) -> list[Any]:
    vals = []
    for c in prep.checks:
        v = _hyper_value(c, name, default)
        if not isinstance(v, torch.Tensor):
            vals.append(v)
    return vals


def build(prep: Any) -> list[Probe]:
    ref = _Ref(prep.reference)
    spec = prep.spec
    refname = spec.reference_name
    entry = prep.meta.entry
    # order is priority: when two hypotheses are the same function on every check (momentum
    # = 0 and "running buffers never updated"), the first one names the mistake
    probes: list[Probe] = _output_probes(prep, ref)
    hyper = _hyperparameters(prep, ref)
    numeric = {k: d for k, d in hyper.items()
               if isinstance(d, (int, float)) and not isinstance(d, bool)}

    # -- one hyperparameter held at its default / zero / complement --------------------
    for name, default in hyper.items():
        if isinstance(default, torch.Tensor) or default is None:
            continue
        values = _passed_values(prep, name, default)
        if any(v != default for v in values):
            def hold(a: dict, _n=name, _d=default) -> None:
                a[_n] = _d

            probes.append(Probe(
                f"ignores-{name}", f"ignores-{name}",
                f"Your {entry} ignores {name}: it behaves as if {name} were always "
                f"{_fmt(default)}, whatever the caller passes.",
                f"Use the {name} argument that is passed in (do not hard-code "
                f"{_fmt(default)} or read a global).",
                _with_args(ref, hold),
                lambda c, _n=name, _d=default: f"{refname} with {_n} = {_fmt(_d)}",
                lambda c, _n=name, _d=default: _hyper_value(c, _n, _d) != _d))
    for name, default in numeric.items():
        # held at another constant: a value some check passes, or a common textbook one
        # (RMSprop's alpha = 0.9 from lecture notes, where torch's default is 0.99)
        constants = {v for v in _passed_values(prep, name, default)
                     if isinstance(v, (int, float)) and not isinstance(v, bool)}
        if isinstance(default, float) and 0.5 <= default < 1:  # a smoothing constant
            constants |= set(_COMMON_CONSTANTS)
        constants -= {default, 0}
        if len(set(_passed_values(prep, name, default))) < 2:
            constants = set()  # no check tells one constant from the value passed
        for const in sorted(constants):
            def fixed(a: dict, _n=name, _c=const) -> None:
                a[_n] = _c

            probes.append(Probe(
                f"ignores-{name}", f"ignores-{name}",
                f"Your {entry} ignores {name}: it behaves as if {name} were always "
                f"{_fmt(const)}, whatever the caller passes.",
                f"Use the {name} argument that is passed in (do not hard-code "
                f"{_fmt(const)}).",
                _with_args(ref, fixed),
                lambda c, _n=name, _c=const: f"{refname} with {_n} = {_fmt(_c)}",
                lambda c, _n=name, _c=const, _d=default: _hyper_value(c, _n, _d) != _c))
        if default != 0:
            def zero(a: dict, _n=name) -> None:
                a[_n] = type(a[_n])(0) if isinstance(a[_n], (int, float)) else 0

            probes.append(Probe(
                f"{name}-no-effect", f"ignores-{name}",
                f"{name} has no effect in your {entry}: your outputs equal {refname} with "
                f"{name} = 0.",
                f"Apply {name} where the formula puts it; check the prompt's formula term "
                f"by term.",
                _with_args(ref, zero),
                lambda c, _n=name: f"{refname} with {_n} = 0"))
        values = [v for v in _passed_values(prep, name, default)
                  if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if (values and all(0 < v < 1 for v in values) and isinstance(default, float)
                and default >= 0.5):  # smoothing constants, not learning rates
            def complement(a: dict, _n=name) -> None:
                a[_n] = 1.0 - a[_n]

            probes.append(Probe(
                f"complement-{name}", f"complement-{name}",
                f"You use 1 - {name} where the formula has {name} (and {name} where it has "
                f"1 - {name}): your outputs equal {refname} with {name} replaced by "
                f"1 - {name}.",
                f"In the moving average, {name} multiplies the old value and (1 - {name}) "
                f"the new one.",
                _with_args(ref, complement),
                lambda c, _n=name, _d=default: (
                    f"{refname} with {_n} = {_fmt(1 - _hyper_value(c, _n, _d))}")))
    for (n1, d1), (n2, d2) in itertools.combinations(numeric.items(), 2):
        if not (isinstance(d1, float) and isinstance(d2, float)):
            continue

        def swap(a: dict, _a=n1, _b=n2) -> None:
            a[_a], a[_b] = a[_b], a[_a]

        probes.append(Probe(
            f"swapped-{n1}-{n2}", f"swapped-{n1}-{n2}",
            f"{n1} and {n2} are used the other way round in your {entry}.",
            f"Check which of {n1} and {n2} belongs to which term of the formula.",
            _with_args(ref, swap),
            lambda c, _a=n1, _b=n2, _da=d1, _db=d2: (
                f"{refname} with {_a} = {_fmt(_hyper_value(c, _b, _db))} and "
                f"{_b} = {_fmt(_hyper_value(c, _a, _da))}")))

    # -- the step counter ------------------------------------------------------------------
    for name in ref.sig.parameters:
        if name not in _STEP_NAMES:
            continue
        for shift, what, fix in (
                (-1, f"Your {name} is off by one: your outputs equal {refname} with "
                     f"{name} - 1 (the step counted from 0).",
                 f"{name} counts steps from 1: the first step uses {name} = 1 as passed; "
                 f"do not subtract 1 (or add 1 before using it only if you counted from 0)."),
                (1, f"Your {name} is off by one: your outputs equal {refname} with "
                    f"{name} + 1 (one step ahead).",
                 f"Use {name} exactly as passed; it already counts this step.")):
            def shifted(a: dict, _n=name, _s=shift) -> None:
                a[_n] = a[_n] + _s

            probes.append(Probe(
                f"{name}-off-by-one" if shift < 0 else f"{name}-one-ahead", "step-counter",
                what, fix, _with_args(ref, shifted),
                lambda c, _n=name, _s=shift: f"{refname} with {_n} {'-' if _s < 0 else '+'} 1"))

    # -- two positional tensor arguments swapped -------------------------------------------
    def swappable(c: Any, x: str, y: str) -> bool:
        a, b = c.inputs.get(x), c.inputs.get(y)
        return (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                and a.shape == b.shape and a.dtype == b.dtype)

    for a1, a2 in itertools.combinations(spec.args, 2):
        if not any(swappable(c, a1, a2) for c in prep.checks):
            continue  # never the same shape: a swap could not even run

        def swap_args(a: dict, _x=a1, _y=a2) -> None:
            a[_x], a[_y] = a[_y], a[_x]

        probes.append(Probe(
            f"swapped-{a1}-{a2}", f"swapped-{a1}-{a2}",
            f"Your {entry} uses {a1} where it should use {a2} and the other way round.",
            f"Check each use of {a1} and {a2} against the formula.",
            _with_args(ref, swap_args),
            lambda c, _x=a1, _y=a2: f"{refname} with {_x} and {_y} swapped"))

    # -- a matrix argument used transposed (square ones: a non-square one would not run)
    def square(c: Any, name: str) -> bool:
        x = c.inputs.get(name)
        return isinstance(x, torch.Tensor) and x.dim() == 2 and x.shape[0] == x.shape[1]

    for arg in spec.args:
        if not any(square(c, arg) for c in prep.checks):
            continue

        def transposed(a: dict, _a=arg) -> None:
            x = a[_a]
            if isinstance(x, torch.Tensor) and x.dim() == 2 and x.shape[0] == x.shape[1]:
                a[_a] = x.T

        probes.append(Probe(
            f"transposed-{arg}", f"transposed-{arg}",
            f"Your {entry} uses {arg} transposed.",
            f"Check the orientation of {arg}: torch stores a weight as (out_features, "
            f"in_features), so x @ {arg}.T (or F.linear) applies it.",
            _with_args(ref, transposed), lambda c, _a=arg: f"{refname} with {_a}.T",
            lambda c, _a=arg: square(c, _a)))
    probes.extend(_precision_probes(prep, ref))
    for i, p in enumerate(probes):
        p.key = f"{i}:{p.id}"
    return probes


def _output_probes(prep: Any, ref: _Ref) -> list[Probe]:
    spec = prep.spec
    refname = spec.reference_name
    entry = prep.meta.entry
    names = ([spec.returns] if isinstance(spec.returns, str)
             else list(spec.returns) if spec.returns else [])
    slot_to_arg = {slot: arg for arg, slot in spec.carry.items()}
    out: list[Probe] = []

    def transform(slot: str, f: Callable[[torch.Tensor, Any], torch.Tensor]
                  ) -> Callable[..., Any]:
        idx = names.index(slot)

        def fn(*args: Any, **kwargs: Any) -> Any:
            a = ref.bound(args, kwargs)
            before = a.get(slot_to_arg.get(slot, ""))
            before = before.detach().clone() if isinstance(before, torch.Tensor) else None
            r = ref.call(a)
            if isinstance(r, tuple):
                r = list(r)
                r[idx] = f(r[idx], before)
                return tuple(r)
            return f(r, before)

        return fn

    for slot in names:
        if slot in spec.same:
            continue
        arg = slot_to_arg.get(slot)
        if arg is not None:
            out.append(Probe(
                f"returns-input-{slot}", f"returns-input-{slot}",
                f"Your {slot} is the {arg} that was passed in, unchanged: the update never "
                f"reaches it.",
                f"Compute the new value and return it (an in-place update of a local copy, "
                f"or a result that is never assigned, leaves {slot} as it was).",
                transform(slot, lambda r, before: before.clone()),
                lambda c, _a=arg: f"the {_a} you were given, unchanged"))
            out.append(Probe(
                f"flipped-sign-{slot}", "sign",
                f"Your update of {arg} has the wrong sign: {slot} moves by exactly minus what "
                f"{refname} moves it by.",
                "Subtract the step (param - lr * ...), do not add it: the update goes "
                "against the gradient.",
                transform(slot, lambda r, before: 2 * before - r),
                lambda c, _a=arg: f"{refname} with the update of {_a} negated"))
        else:
            out.append(Probe(
                f"flipped-sign-{slot}", "sign",
                f"Your {slot} has the wrong sign: it is exactly minus {refname}'s.",
                "Check the sign of each term (a loss is -log p, not log p).",
                transform(slot, lambda r, before: -r),
                lambda c: f"minus {refname}"))
    if len(spec.updates) > 1:
        def none_touched(*args: Any, **kwargs: Any) -> Any:
            a = ref.bound(args, kwargs)
            saved = {k: a[k].detach().clone() for k in spec.updates}
            r = ref.call(a)
            with torch.no_grad():
                for k, v in saved.items():
                    a[k].copy_(v)
            return r

        both = " and ".join(spec.updates)
        out.append(Probe(
            "no-inplace-update", "no-inplace-update",
            f"Your {entry} never updates {both} in place: the caller's buffers are unchanged "
            f"afterwards.",
            "Write the new values into the tensors themselves (buf.mul_(...).add_(...), "
            "buf.copy_(new) or buf[:] = new); rebinding the name (buf = ...) only changes "
            "your local variable.",
            none_touched, lambda c: f"{refname} with {both} left untouched"))
    for arg in spec.updates:
        def untouched(*args: Any, _arg=arg, **kwargs: Any) -> Any:
            a = ref.bound(args, kwargs)
            saved = a[_arg].detach().clone()
            r = ref.call(a)
            with torch.no_grad():
                a[_arg].copy_(saved)
            return r

        out.append(Probe(
            f"no-inplace-{arg}", f"no-inplace-{arg}",
            f"Your {entry} never updates {arg} in place: the caller's {arg} is unchanged "
            f"afterwards.",
            f"Write the new values into the {arg} tensor itself ({arg}.copy_(new), "
            f"{arg}.mul_(...).add_(...), or {arg}[:] = new); rebinding the name "
            f"({arg} = ...) only changes your local variable.",
            untouched, lambda c, _a=arg: f"{refname} with {_a} left untouched"))
    return out


def _precision_probes(prep: Any, ref: _Ref) -> list[Probe]:
    refname = prep.spec.reference_name
    entry = prep.meta.entry
    updates = tuple(prep.spec.updates)
    out = []
    for high, lows in _LOWER.items():
        for low in lows:
            def fn(*args: Any, _high=high, _low=low, **kwargs: Any) -> Any:
                a = ref.bound(args, kwargs)
                originals = {k: v for k, v in a.items()
                             if isinstance(v, torch.Tensor) and v.dtype == _high}
                if not originals:
                    return ref.call(a)
                low_args = dict(a)
                for k, v in originals.items():
                    low_args[k] = v.detach().to(_low)
                r = ref.call(low_args)
                for k in updates:  # buffers the contract updates in place
                    if k in originals:
                        with torch.no_grad():
                            originals[k].copy_(low_args[k].to(_high))

                def back(x: Any) -> Any:
                    if isinstance(x, torch.Tensor) and x.dtype == _low:
                        return x.to(_high)
                    for k, v in originals.items():
                        if x is low_args[k]:
                            return v
                    return x

                return tuple(back(x) for x in r) if isinstance(r, tuple) else back(r)

            lname, hname = (str(low).removeprefix("torch."), str(high).removeprefix("torch."))
            out.append(Probe(
                f"{lname}-arithmetic", "precision",
                f"Your {entry} computes in {lname} on {hname} inputs: the outputs equal "
                f"{refname} evaluated in {lname} and converted back.",
                f"Keep the computation in the inputs' dtype: do not call .float()/.half() or "
                f"create {lname} tensors (use torch.zeros_like(x) or dtype=x.dtype).",
                fn, lambda c, _l=lname: f"{refname} computed in {_l}",
                lambda c, _h=high: any(t.dtype == _h for t in _tensor_args(c).values()),
                tol_dtype=low))
    return out


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


def scaled_probe(prep: Any, slot: str, factor: float) -> Probe:
    """Probe: ``slot`` (its update, when carried) scaled by ``factor``."""
    ref = _Ref(prep.reference)
    spec = prep.spec
    names = ([spec.returns] if isinstance(spec.returns, str)
             else list(spec.returns) if spec.returns else [])
    idx = names.index(slot)
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


def run_probe(prep: Any, probe: Probe, check: Any) -> dict[str, Any] | None:
    cache = prep.__dict__.setdefault("_probe_records", {})
    key = (probe.key or probe.id, check.name)
    if key not in cache:
        try:
            cache[key] = runner.stack(runner.run(probe.fn, prep.materialize(check.name)))
        except Exception:  # noqa: BLE001 - a hypothesis that cannot run never matches
            cache[key] = None
    return cache[key]


def probes_for(prep: Any) -> list[Probe]:
    built = prep.__dict__.get("_probes")
    if built is None:
        try:
            built = build(prep)
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus
            built = []
        prep.__dict__["_probes"] = built
    return built


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


def sensitivity_plan(prep: Any, failing: list[str]) -> tuple[list[Any], str, bytes] | None:
    """Checks to re-run the submission on: the cheapest failing check as given, and one copy
    per hyperparameter with only that hyperparameter changed.  Returns (checks, plan JSON,
    blob) for the sandbox, or None when there is nothing to vary."""
    import dataclasses
    import json

    from . import wire

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


def _same_outputs(check: Any, a: dict[str, Any], b: dict[str, Any]) -> bool | None:
    """Whether two runs' outputs agree within the check's tolerance (None: not comparable)."""
    from .compare import Close

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


def sensitivity_findings(prep: Any, checks: list[Any],
                         got: dict[str, dict[str, torch.Tensor]]) -> list[tuple[str, Any, Any]]:
    """Hyperparameters the submission ignores: changing one leaves the submission's outputs
    unchanged while the reference's move.  ``got``: the submission's stacked outputs per
    check name.  Returns [(name, base value, changed value)]."""
    from . import wire

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


def sensitivity_diagnosis(prep: Any, checks: list[Any],
                          got: dict[str, dict[str, torch.Tensor]]) -> Any:
    """A ``Diagnosis`` naming the ignored hyperparameter(s), or None."""
    from .verdict import Diagnosis

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
        what = f"Your {entry} ignores {', '.join(names)}: changing them does not change your output."
        fix = "Use each argument that is passed in, where the formula puts it."
        did = "ignores-hyperparameters"
    evidence = (f'on the "{checks[0].regime}" check re-run with {moves}, your output stayed '
                f"the same while {refname}'s changed")
    return Diagnosis(did, f"{what} {fix}", what=what, fix=fix, evidence=evidence,
                     source="sensitivity")
