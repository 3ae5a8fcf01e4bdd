"""Turn what the sandboxed child reported into a verdict (trusted side, imports torch).

The child's stream is untrusted bytes: every frame is validated and decoded into the
``contract`` event types (``read_events``), tensor metadata is checked against the bytes,
and only the comparison done here decides "passed".  A run becomes a verdict in three
steps: ``fold`` the events into a ``Record`` (comparing each check as it arrives),
``classify_end`` says how the run ended (``RunEnd``), and ``build_verdict`` puts the tests,
the overall status, the diagnosis and the message together.  ``diagnose`` names the
mistake behind a failure (mutants, probes; see docs/grader.md).
"""

from __future__ import annotations

import math
import re
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from . import compare, probes, protocol, wire
from . import frames as frames_mod
from .contract import (
    CheckInvalid,
    CheckOutcome,
    CheckRaised,
    CheckRan,
    ChildEvent,
    ContractBroken,
    Event,
    ExcInfo,
    Forbidden,
    InvalidInfo,
    JsonObject,
    KilledBy,
    LoadFailed,
    Marker,
    RunEnd,
    RunResult,
    Started,
    Trace,
)
from .static import Finding, normalized_source
from .verdict import Diagnosis, TestResult, Verdict, worst

if TYPE_CHECKING:
    from .kit import Check
    from .runner import Records
    from .worker import Prepared

Results = dict[str, CheckOutcome]  # each compared check's outcome, by name
Got = dict[str, "Outputs"]  # each compared check's decoded outputs, by name

_CRASH_NAMES = {getattr(signal, n): n for n in dir(signal)
                if n.startswith("SIG") and not n.startswith("SIG_") and isinstance(
                    getattr(signal, n), int)}


def _ms(t0: float) -> int:
    return int(round((time.monotonic() - t0) * 1000))


def _skipped(prep: Prepared, status: str = "skipped", message: str = "") -> list[TestResult]:
    return [TestResult(c.name, status, c.regime, message) for c in prep.checks]


def syntax_verdict(prep: Prepared, exc: SyntaxError, filename: str, device: str, t0: float
                   ) -> Verdict:
    line = exc.lineno or 1
    text = (exc.text or "").rstrip("\n")
    msg = f'  File "{filename}", line {line}\n'
    if text:
        msg += f"    {text.strip()}\n"
    msg += f"SyntaxError: {exc.msg}"
    return Verdict(prep.meta.id, "error", device, _ms(t0), _skipped(prep), None,
                   message=msg, variant_seed=prep.variant_seed)


def forbidden_verdict(prep: Prepared, findings: list[Finding], device: str, t0: float) -> Verdict:
    msg = "\n".join(f.message for f in findings[:10])
    return Verdict(prep.meta.id, "forbidden", device, _ms(t0), _skipped(prep), None,
                   message=msg, variant_seed=prep.variant_seed)


def render_traceback(exc: ExcInfo, code: str, filename: str) -> str:
    lines = code.splitlines()
    out = []
    if exc.frames:
        out.append("Traceback (most recent call last):")
        for lineno, fname in exc.frames:
            out.append(f'  File "{filename}", line {lineno}, in {fname[:80]}')
            if 1 <= lineno <= len(lines):
                out.append(f"    {lines[lineno - 1].strip()}")
    etype = exc.type[:120]
    emsg = exc.message[:2000]
    out.append(f"{etype}: {emsg}" if emsg else etype)
    return "\n".join(out)


def _shape(s: Any) -> str:
    return "(" + ", ".join(str(x) for x in s) + ("," if len(s) == 1 else "") + ")"


def _output_problem(prep: Prepared, info: InvalidInfo, at: str) -> str | None:
    """The message for a returned value of the wrong kind (None for other kinds)."""
    entry, kind = prep.meta.entry, info.kind
    slot = str(info.detail("slot"))[:60]
    typ = str(info.detail("type"))[:80]
    returns = prep.spec.returns
    names = list(returns) if isinstance(returns, tuple) else [returns] if returns else []
    if kind == "not_tuple":
        return (f"{entry} must return a tuple ({', '.join(names)}); it returned "
                f"{'None' if typ == 'NoneType' else 'a ' + typ}{at}")
    if kind == "wrong_len":
        return (f"{entry} must return {info.detail('expected', None)} values "
                f"({', '.join(names)}); it returned {info.detail('got', None)}{at}")
    if kind == "not_tensor":
        if slot in prep.spec.updates:
            return f"the argument {slot} must stay a torch.Tensor (it is updated in place){at}"
        if typ == "NoneType":
            return f"{slot} is None: did you forget to return it?{at}"
        return f"{slot} must be a torch.Tensor, not a {typ}{at}"
    if kind == "subclass":
        return f"{slot} is a {typ}, a subclass of torch.Tensor: return a plain torch.Tensor{at}"
    if kind == "device":
        return (f"device mismatch: {slot} is on {str(info.detail('device', None))[:40]} but "
                f"the inputs are on the grading device; create tensors on the inputs' device "
                f"(torch.zeros_like(x), or device=x.device){at}")
    return None


def invalid_message(prep: Prepared, info: InvalidInfo) -> str:
    """What a contract violation the child reported means, in one plain sentence."""
    step = info.step
    at = f" (at step {step + 1})" if step is not None and step > 0 else ""
    message = _output_problem(prep, info, at)
    if message is not None:
        return message
    entry = prep.meta.entry
    if info.kind == "missing_entry":
        return f"there is no function named {entry}: the exercise asks for {prep.meta.signature}"
    if info.kind == "not_callable":
        return f"{entry} is a {str(info.detail('type'))[:80]}, not a function"
    if info.kind == "signature":
        return (f"{str(info.detail('theirs', None))[:200]} cannot be called the way the "
                f"exercise calls it ({str(info.detail('problem', None))[:200]}); the "
                f"signature must be {prep.meta.signature}")
    return f"the submission's output is not valid ({info.kind[:40]})"


def why_exited(sig: int | None, code: int | None) -> str:
    if sig is not None:
        return f"killed by {_CRASH_NAMES.get(sig, sig)}"
    return f"exit code {code}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return f"{x:.6g}"


@dataclass(frozen=True)
class Output:
    """One slot of a check's outputs, decoded on the trusted side: the tensor stacked over
    the steps, or the dtype the wire cannot carry; ``varies`` when the child says its dtype
    or shape changed at some step (validated by ``frames`` on the grading path)."""

    tensor: torch.Tensor | None = None
    varies: object = None
    bad_dtype: str | None = None

    @property
    def t(self) -> torch.Tensor:
        if self.tensor is None:
            raise ValueError(f"no tensor (dtype {self.bad_dtype})")
        return self.tensor


Outputs = dict[str, Output | None]  # one check's outputs by slot (None: not returned)


def _decode_slots(slots: object, blob: bytes) -> Outputs:
    """Each slot's tensor (with its ``varies`` note), or its dtype when there is none."""
    out: Outputs = {}
    if not isinstance(slots, dict):
        raise wire.WireError("missing slots")
    for name, meta in slots.items():
        if meta is not None and not isinstance(meta, dict):
            raise wire.WireError("bad slot metadata")
        if meta is None:
            out[name] = None
        elif "bad_dtype" in meta:
            out[name] = Output(bad_dtype=str(meta["bad_dtype"]))
        else:
            t = wire.decode_tensor(dict(meta, layout="contiguous"), blob)
            out[name] = Output(t, meta.get("varies"))
    return out


def decode_outputs(stream: bytes) -> dict[str, dict[str, torch.Tensor]]:
    """The stacked outputs of every check that ran fine in a child's result stream (for
    probes; anything malformed is left out)."""
    frames, _problem = protocol.split_frames(stream)
    out: dict[str, dict[str, torch.Tensor]] = {}
    for obj, blob in frames:
        if obj.get("event") != "check" or obj.get("status") != "ok":
            continue
        name = obj.get("name")
        try:
            slots = _decode_slots(obj.get("slots"), blob)
        except (wire.WireError, ValueError, TypeError, RuntimeError):
            continue
        if isinstance(name, str):
            out[name] = {s: g.tensor for s, g in slots.items()
                         if g is not None and g.tensor is not None and not g.varies}
    return out


def _slot_problem(slot: str, e: torch.Tensor, g: Output | None, steps: int
                  ) -> str | None:
    """Why the submission's output for ``slot`` cannot be compared (None: it can)."""
    if g is None:
        return f"{slot} was not returned"
    if g.tensor is None:
        return (f"{slot} has dtype {str(g.bad_dtype)[:40]}, expected "
                f"{str(e.dtype).removeprefix('torch.')}")
    t = g.tensor
    if t.dtype != e.dtype:
        return (f"{slot} has dtype {str(t.dtype).removeprefix('torch.')}, expected "
                f"{str(e.dtype).removeprefix('torch.')} (the dtype of the inputs): keep the "
                f"computation in the inputs' dtype")
    if tuple(t.shape[1:]) != tuple(e.shape[1:]):
        return f"{slot} has shape {_shape(t.shape[1:])}, expected {_shape(e.shape[1:])}"
    if g.varies:
        v = g.varies if isinstance(g.varies, Mapping) else {}
        return (f"{slot} changes dtype or shape at step {int(v.get('step', 0)) + 1} (to "
                f"{str(v.get('dtype'))[:20]} {_shape(v.get('shape') or [])})")
    if t.shape[0] != steps:
        return f"{slot} is missing steps"
    return None


def _identity_outcome(prep: Prepared, check: Check, expected: Records,
                      same: Mapping[str, object]) -> CheckOutcome | None:
    """A slot that must be the very argument object (filled in place) and is not."""
    for slot, flags in expected["same"].items():
        gf = same.get(slot)
        if not isinstance(gf, list) or len(gf) != check.steps:
            return CheckOutcome("invalid", f"{slot} was not returned", None, "invalid", slot)
        for k, (ef, f) in enumerate(zip(flags, gf, strict=True)):
            if ef and f is not True:
                arg = prep.spec.same[slot]
                return CheckOutcome(
                    "failed", f"{prep.meta.entry} must fill `{arg}` in place and return it; "
                    f"it returned a different tensor" + (f" (step {k + 1})" if k else ""),
                    compare.Mismatch(k), "same", slot)
    return None


def evaluate(prep: Prepared, check: Check, expected: Records, got: Outputs,
             same: Mapping[str, object]) -> CheckOutcome:
    """Compare one check's outputs with the expected ones."""
    for slot, e in expected["slots"].items():
        problem = _slot_problem(slot, e, got.get(slot), check.steps)
        if problem is not None:
            return CheckOutcome("invalid", problem, None, "invalid", slot)
    identity = _identity_outcome(prep, check, expected, same)
    if identity is not None:
        return identity
    cmp = check.comparator()
    for slot, e in expected["slots"].items():
        mismatch = cmp(e, _tensor(got, slot))
        if mismatch is not None:
            return CheckOutcome("failed", _mismatch_message(prep, check, slot, mismatch), mismatch,
                                "compare", slot)
    if check.verify is not None:
        problem = check.verify({s: g.tensor for s, g in got.items()
                                if g is not None and g.tensor is not None}, check.inputs)
        if problem:
            return CheckOutcome("failed", problem, None, "verify", "")
    return CheckOutcome("passed")


def _mismatch_message(prep: Prepared, check: Check, slot: str, mismatch: compare.Mismatch) -> str:
    ref = prep.spec.reference_name
    step = f" at step {mismatch.first_bad_step + 1} of {check.steps}" if check.steps > 1 else ""
    if mismatch.detail:
        msg = f"{slot}{step}: {mismatch.detail}"
    else:
        idx = compare.fmt_index(mismatch.worst_index)
        msg = (f"{slot} differs from {ref}{step}: max abs err {_fmt(mismatch.max_abs_err)}, "
               f"max rel err {_fmt(mismatch.max_rel_err)}; worst at index {idx}: expected "
               f"{_fmt(mismatch.expected)}, got {_fmt(mismatch.got)}")
    if check.note:
        msg += f" ({check.note})"
    return msg


def _loosened(cmp: Any) -> Any:
    if isinstance(cmp, compare.Close):
        return _Scaled(cmp, 10.0)
    return cmp


class _Scaled:
    def __init__(self, inner: compare.Close, factor: float):
        self.inner, self.factor = inner, factor

    def __call__(self, expected: torch.Tensor, got: torch.Tensor, **kw: Any) -> Any:
        rtol, atol = self.tolerances(expected.dtype)
        return compare.Close(rtol, atol)(expected, got)

    def tolerances(self, dtype: torch.dtype) -> tuple[float, float]:
        rtol, atol = self.inner.tolerances(dtype)
        return rtol * self.factor, atol * self.factor


def _agrees(cmp: Any, hyp: torch.Tensor, got: torch.Tensor, ref: torch.Tensor,
            strict: Any = None) -> tuple[bool, bool]:
    """(``got`` reproduces ``hyp``, there is finite evidence for it).

    ``hyp`` is a mutant's or a probe's output.  Where either is inf or NaN both must be the
    same non-finite value, but such agreement is no evidence: two programs that both
    overflow are not the same program.  Evidence is an element where both are finite, agree,
    and differ from the reference."""
    if not hyp.is_floating_point():
        return cmp(hyp, got, against_reference=False) is None, True
    fin_h, fin_g = hyp.isfinite(), got.isfinite()
    if bool((fin_h != fin_g).any()):
        return False, False
    both = ~fin_h
    if bool(both.any()):
        same = (hyp.isnan() & got.isnan()) | (hyp == got)
        if not bool(same[both].all()):
            return False, False
        zero = torch.zeros((), dtype=hyp.dtype)
        hyp, got = torch.where(both, zero, hyp), torch.where(both, zero, got)
        ref = torch.where(both, zero, ref)
    if cmp(hyp, got, against_reference=False) is not None:
        return False, False
    strict = strict if strict is not None else cmp
    if not hasattr(strict, "tolerances"):  # a distribution comparison: no elementwise notion
        return True, True
    rtol, atol = strict.tolerances(ref.dtype)
    e, g = ref.double(), got.double()
    off = ((g - e).abs() > atol + rtol * e.abs()) | ~e.isfinite()
    return True, bool((off & fin_g).any())


def _status(results: Mapping[str, CheckOutcome], name: str) -> str:
    r = results.get(name)
    return r.status if r is not None else ""


def _hyp_status(prep: Prepared, key: str | None, c: Check, rec: Mapping[str, Any]
                ) -> CheckOutcome:
    """How a hypothesis's own outputs compare with the reference on one check (it does not
    depend on the submission: cached per hypothesis and check)."""
    cache: dict[tuple[str, str], CheckOutcome] = prep.__dict__.setdefault("_hyp_status", {})
    if key is None or (key, c.name) not in cache:
        st = evaluate(prep, c, prep.expected[c.name], _as_got(rec), rec["same"])
        if key is None:
            return st
        cache[(key, c.name)] = st
    return cache[(key, c.name)]


def _reproduces(prep: Prepared, results: Results, got_all: Got,
                records: Callable[[Check], Mapping[str, Any] | None], tol_dtype: Any = None,
                key: str | None = None) -> list[str] | None:
    """The names of the failing checks on which ``records`` (a hypothesis) reproduces the
    submission, when it does so on every compared check; else ``None``.  Failing checks are
    tried first: most hypotheses are rejected by the first one, before any other runs."""
    order = sorted(prep.checks, key=lambda c: (_status(results, c.name) != "failed",
                                               c.steps))  # cheap failing checks first
    matched: list[str] = []
    evidence = False
    for c in order:
        r = results.get(c.name)
        if r is None or not r.compared:
            continue
        rec = records(c)
        if rec is None:  # the hypothesis cannot run here: this check says nothing
            continue
        hstat = _hyp_status(prep, key, c, rec)
        if not hstat.compared:  # the hypothesis breaks the contract here
            continue
        if r.status == "passed" and tol_dtype is not None:
            # a lower-precision hypothesis sits at the edge of the reference's tolerance:
            # here it only has to agree with the submission within its own precision
            if not _agree_slots(c, rec, got_all[c.name], tol_dtype):
                return None
            continue
        if r.status != hstat.status or (r.status == "failed" and r.kind != hstat.kind):
            return None
        if r.status == "passed":
            continue
        # an identity or property failure reproduced is evidence in itself
        finite = (_same_outputs(prep, c, rec, got_all[c.name], tol_dtype)
                  if r.kind == "compare" else True)
        if finite is None:
            return None
        evidence = evidence or finite
        matched.append(c.name)
    return matched if matched and evidence else None


def _same_outputs(prep: Prepared, c: Check, rec: Mapping[str, Any], got: Outputs,
                  tol_dtype: Any) -> bool | None:
    """Whether the hypothesis's outputs ``rec`` agree with the submission's on check ``c``
    (None: they do not; else whether some agreement is finite evidence)."""
    cmp = _loosened(c.comparator())
    if tol_dtype is not None and isinstance(cmp, _Scaled):
        cmp = _precision_cmp(c, tol_dtype)
    evidence = False
    for slot, ht in rec["slots"].items():
        g = got.get(slot)
        ref = prep.expected[c.name]["slots"].get(slot)
        if g is None or not isinstance(ht, torch.Tensor) or ref is None:
            return None
        ok, finite = _agrees(cmp, ht, g.t, ref, c.comparator())
        if not ok:
            return None
        evidence = evidence or finite
    return evidence


def _precision_cmp(c: Check, tol_dtype: Any) -> Any:
    """Relative tolerance of the lower dtype, absolute tolerance of the check itself (tiny
    values must still agree)."""
    inner: Any = c.comparator()
    if not isinstance(inner, compare.Close):
        return _loosened(inner)
    rtol = compare.default_tolerances(tol_dtype)[0]

    class _Cmp:
        def __call__(self, expected: torch.Tensor, got: torch.Tensor, **kw: Any) -> Any:
            atol = inner.tolerances(expected.dtype)[1]
            return compare.Close(rtol * 10.0, atol * 10.0)(expected, got)

        def tolerances(self, dtype: torch.dtype) -> tuple[float, float]:
            return rtol * 10.0, inner.tolerances(dtype)[1] * 10.0

    return _Cmp()


def _agree_slots(c: Check, rec: Mapping[str, Any], got: Outputs, tol_dtype: Any
                 ) -> bool:
    cmp = _precision_cmp(c, tol_dtype)
    for slot, ht in rec["slots"].items():
        g = got.get(slot)
        if g is None or not isinstance(ht, torch.Tensor) or ht.shape != g.t.shape:
            return False
        if cmp(ht, g.t, against_reference=False) is not None:
            return False
    return True


def _evidence_check(prep: Prepared, matched: list[str], relevant: Any = None) -> Any:
    checks = [prep.by_name[n] for n in matched]
    if relevant is not None:
        for c in checks:
            try:
                if relevant(c):
                    return c
            except Exception:  # noqa: BLE001
                continue
    return checks[0]


def _fitted_probes(prep: Prepared, results: Results, got_all: Got) -> list[Any]:
    """Constant-factor probes, with the factor fitted on the first failing check."""
    first = next((c for c in prep.checks if _status(results, c.name) == "failed"
                  and results[c.name].kind == "compare"), None)
    if first is None:
        return []
    out = []
    arg_of = {slot: arg for arg, slot in prep.spec.carry.items()}
    for slot, e in prep.expected[first.name]["slots"].items():
        g = got_all[first.name].get(slot)
        if g is None or slot in prep.spec.updates or not e.is_floating_point():
            continue
        before = first.inputs.get(arg_of.get(slot, ""))
        before = before if isinstance(before, torch.Tensor) else None
        factor = probes.nice_factor(probes.fitted_factor(e[0], g.t[0], before))
        if factor is not None and factor != -1.0:  # -1 is the sign probe's
            out.append(probes.scaled_probe(prep, slot, factor))
    return out


def _reduction_match(prep: Prepared, results: Results, got_all: Got
                     ) -> tuple[str, str, str, str, list[str]] | None:
    """A scalar output off by the size of one input dimension: a sum where the reference
    averages (or the reverse).  Returns (id, what, fix, evidence, matched) or None."""
    names = prep.spec.returns
    if (not isinstance(names, str) or names in prep.spec.carry.values()
            or names in prep.spec.same or not prep.spec.args):
        return None
    first_arg = prep.spec.args[0]
    for kind in ("sum-not-mean", "mean-not-sum"):
        for dim in range(4):
            def records(c: Check, _dim: int = dim, _kind: str = kind) -> Records | None:
                x = c.inputs.get(first_arg)
                if not isinstance(x, torch.Tensor) or x.dim() <= _dim:
                    return None
                n = x.shape[_dim]
                e = prep.expected[c.name]["slots"].get(names)
                if not isinstance(e, torch.Tensor) or e.shape[1:] != ():
                    return None
                return {"slots": {names: e * n if _kind == "sum-not-mean" else e / n},
                        "same": {}}

            matched = _reproduces(prep, results, got_all, records)
            if matched:
                ref = prep.spec.reference_name
                c = prep.by_name[matched[0]]
                x = c.inputs[first_arg]  # a tensor with this dim: ``records`` matched it
                n = x.shape[dim] if isinstance(x, torch.Tensor) else "its size"
                if kind == "sum-not-mean":
                    what = (f"Your {names} is a sum where {ref} takes a mean: it is "
                            f"{ref}'s times the size of dim {dim} of {first_arg}.")
                    fix = (f"Average over dim {dim} of {first_arg} (.mean(), or divide the "
                           f"sum by {first_arg}.shape[{dim}]).")
                    ev = f"{ref} multiplied by {n} (the size of dim {dim} of {first_arg})"
                else:
                    what = (f"Your {names} is a mean where {ref} sums: it is {ref}'s divided "
                            f"by the size of dim {dim} of {first_arg}.")
                    fix = f"Sum over dim {dim} of {first_arg}; do not divide by its size."
                    ev = f"{ref} divided by {n} (the size of dim {dim} of {first_arg})"
                return kind, what, fix, ev, matched
    return None


def _same_hypothesis(prep: Prepared, a: Any, b: Any) -> bool:
    """Two probes compute the same outputs on every check (then the first, by priority,
    names the mistake: they are one explanation written two ways)."""
    for c in prep.checks:
        ra, rb = probes.run_probe(prep, a, c), probes.run_probe(prep, b, c)
        if (ra is None) != (rb is None):
            return False
        if ra is None or rb is None:
            continue
        cmp = _loosened(c.comparator())
        for slot, ta in ra["slots"].items():
            tb = rb["slots"].get(slot)
            if not isinstance(ta, torch.Tensor) or not isinstance(tb, torch.Tensor):
                return False
            if ta.shape != tb.shape or cmp(ta, tb, against_reference=False) is not None:
                return False
    return True


def _nonfinite_match(prep: Prepared, results: Results, got_all: Got
                     ) -> list[str] | None:
    """Every failing check fails only because the output is inf or NaN where the reference
    is finite (everything finite agrees): the computation overflows or divides 0 by 0."""
    matched = []
    for c in prep.checks:
        r = results.get(c.name)
        if r is None or r.status != "failed":
            continue
        if r.kind != "compare" or not isinstance(c.comparator(), compare.Close):
            return None
        cmp = _loosened(c.comparator())
        seen = False
        for slot, e in prep.expected[c.name]["slots"].items():
            g = _tensor(got_all[c.name], slot)
            if not e.is_floating_point():
                return None
            blown = ~g.isfinite() & e.isfinite()
            seen = seen or bool(blown.any())
            fine = torch.where(blown, e, g)
            if cmp(e, fine) is not None:
                return None
        if not seen:
            return None
        matched.append(c.name)
    return matched or None


def _mutant_outputs(recs: dict[str, Records | None]
                    ) -> Callable[[Check], Mapping[str, Any] | None]:
    return lambda c: recs.get(c.name)


def _probe_outputs(prep: Prepared, probe: Any) -> Callable[[Check], Mapping[str, Any] | None]:
    return lambda c: probes.run_probe(prep, probe, c)


def _evidence_text(prep: Prepared, check: Check, hypothesis: str) -> str:
    return f'on the "{check.regime}" check ({check.name}) your output equals {hypothesis}'


def diagnose(prep: Prepared, results: Results, got_all: Got) -> Diagnosis | None:
    """Name the mistake: a known mutant the submission reproduces on every comparable check,
    else one contract probe (``probes``) that does.  Ambiguous evidence names nothing."""
    if not any(r.status == "failed" for r in results.values()):
        return None
    return (_mutant_diagnosis(prep, results, got_all)
            or _nonfinite_diagnosis(prep, results, got_all)
            or _probe_diagnosis(prep, results, got_all))


def _mutant_diagnosis(prep: Prepared, results: Results, got_all: Got) -> Diagnosis | None:
    meta_by_id = {m.id: m for m in prep.meta.mutants}
    for mid, recs in prep.mutant_records().items():
        matched = _reproduces(prep, results, got_all,
                              _mutant_outputs(recs), key=f"mutant:{mid}")
        if matched:
            mutant = meta_by_id[mid]
            what, fix = split_misconception(mutant.misconception, getattr(mutant, "fix", ""))
            c = prep.by_name[matched[0]]
            ev = _evidence_text(prep, c, f'the known mistake "{mid}"')
            if len(matched) > 1:
                ev += f" (and on {len(matched) - 1} more failing check(s))"
            return Diagnosis(mid, mutant.misconception, what=what, fix=fix, evidence=ev,
                             source="mutant")
    return None


def _nonfinite_diagnosis(prep: Prepared, results: Results, got_all: Got
                         ) -> Diagnosis | None:
    blown = _nonfinite_match(prep, results, got_all)
    if not blown:
        return None
    c = prep.by_name[blown[0]]
    ref = prep.spec.reference_name
    what = (f"Your {prep.meta.entry} returns inf or NaN where {ref} is finite: an "
            f"intermediate value overflows or underflows (exp of a large number, 0 / 0, "
            f"log(0)); everything else agrees.")
    fix = ("Rewrite the unstable step in a stable form: subtract the row maximum before "
           "exp (and add it back after the log), write log(1 + exp(x)) as "
           "max(x, 0) + log1p(exp(-|x|)), or clamp before dividing.")
    return Diagnosis("non-finite", f"{what} {fix}", what=what, fix=fix,
                     evidence=f'on the "{c.regime}" check ({c.name}) your output is '
                              f'inf/NaN where {ref} is finite', source="probe")


def _probe_diagnosis(prep: Prepared, results: Results, got_all: Got) -> Diagnosis | None:
    """The one contract probe (or sum/mean mix-up) that explains the failure, if only one
    explanation fits."""
    hits = []
    for probe in probes.probes_for(prep) + _fitted_probes(prep, results, got_all):
        matched = _reproduces(prep, results, got_all, _probe_outputs(prep, probe),
                              probe.tol_dtype, key=probe.key or None)
        if matched:
            hits.append((probe, matched))
    reduction = _reduction_match(prep, results, got_all)
    if hits and reduction is not None:
        return None
    if hits and not all(p.group == hits[0][0].group
                        or _same_hypothesis(prep, hits[0][0], p) for p, _m in hits[1:]):
        return None  # two different explanations fit: name neither
    if reduction is not None:
        rid, what, fix, ev, matched = reduction
        c = prep.by_name[matched[0]]
        return Diagnosis(rid, f"{what} {fix}", what=what, fix=fix,
                         evidence=_evidence_text(prep, c, ev), source="probe")
    if not hits:
        return None
    probe, matched = hits[0]
    c = _evidence_check(prep, matched, probe.relevant)
    return Diagnosis(probe.id, f"{probe.what} {probe.fix}", what=probe.what, fix=probe.fix,
                     evidence=_evidence_text(prep, c, probe.evidence(c)), source="probe")


def split_misconception(text: str, fix: str = "") -> tuple[str, str]:
    """(what is wrong, how to fix it) from a mutant's misconception.  An explicit ``fix``
    wins; otherwise the first sentence names the mistake and the rest explains the fix."""
    text = " ".join(text.split())
    if fix:
        return text, " ".join(fix.split())
    for m in re.finditer(r"(?<=[.!?:])\s+(?=\S)", text):
        head = text[:m.start()]
        if head.endswith(("e.g.", "i.e.", "vs.", "etc.")) or text[m.start() - 2] == ".":
            continue  # an abbreviation or an ellipsis, not the end of a sentence
        if head.endswith(":"):
            continue
        return head, text[m.end():]
    return text, ""


def unchanged_starter(prep: Prepared, code: str) -> bool:
    """A fix-the-bug exercise graded with its starter as given (comments, blank lines and
    formatting aside)."""
    if prep.meta.kind != "fix":
        return False
    starter = prep.__dict__.get("_starter_ast")
    if starter is None:
        try:
            starter = normalized_source(prep.meta.starter()) or ""
        except OSError:
            starter = ""
        prep.__dict__["_starter_ast"] = starter
    return bool(starter) and normalized_source(code) == starter


def _as_got(rec: Mapping[str, Any]) -> Outputs:
    return {s: Output(t) if isinstance(t, torch.Tensor) else None
            for s, t in rec["slots"].items()}


def _tensor(got: Outputs, slot: str) -> torch.Tensor:
    """The output tensor of ``slot`` (one that was checked to be there)."""
    g = got[slot]
    if g is None:
        raise KeyError(slot)
    return g.t


# -- from the child's stream to a verdict: read_events -> fold -> classify_end -> build -------


@dataclass
class Record:
    """What the child's (validated) stream said, folded into one place (``fold``)."""

    code: str
    filename: str
    sandboxed: bool = False  # the stream starts with the sandbox's own marker
    empty: bool = True  # the child wrote nothing at all
    problem: str | None = None  # the first thing wrong with the stream
    tests: dict[str, TestResult] = field(default_factory=dict)
    outcomes: dict[str, CheckOutcome] = field(default_factory=dict)
    got: Got = field(default_factory=dict)
    forbidden: str | None = None
    load_error: ExcInfo | None = None
    invalid: str | None = None  # the message for a contract violation before any check
    loaded: bool = False
    done: bool = False
    unreported: bool = False  # done, yet some checks never reported
    started: str | None = None  # the check that was running when the stream stopped
    trace: Mapping[str, float] | None = None


@dataclass(frozen=True)
class End:
    """How the run ended: a status for the whole run (None: the tests decide) and why."""

    kind: RunEnd
    status: str | None = None
    message: str = ""


def read_events(stream: bytes) -> tuple[list[tuple[ChildEvent, bytes]], bool, str | None]:
    """The stream's events after the sandbox's marker, whether the marker came, and the
    first problem (the events stop there)."""
    raw, problem = protocol.split_frames(stream)
    events: list[tuple[ChildEvent, bytes]] = []
    for i, (obj, blob) in enumerate(raw):
        try:
            event = frames_mod.decode_event(obj, len(blob), i)
        except frames_mod.FrameError as exc:
            raw, problem = raw[:i], str(exc)
            break
        if event is not None and i > 0:
            events.append((event, blob))
    # The child writes the marker once its sandbox is complete, before any submission code
    # runs: without it, nothing the submission did (an exit code, a frame) counts.
    sandboxed = bool(raw) and raw[0] == (frames_mod.SANDBOXED, b"")
    return (events if sandboxed else []), sandboxed, problem


def fold(prep: Prepared, events: list[tuple[ChildEvent, bytes]], record: Record) -> Record:
    """Fold the child's events into ``record``, comparing each check as it comes."""
    for event, blob in events:
        if isinstance(event, Forbidden):
            record.forbidden = event.what
        elif isinstance(event, LoadFailed):
            record.load_error = event.exc
        elif isinstance(event, ContractBroken):
            record.invalid = invalid_message(prep, event.info)
        elif isinstance(event, Marker):
            record.loaded |= event.event == Event.LOADED
            record.done |= event.event == Event.DONE
        elif isinstance(event, Started):
            record.started = event.name
        elif isinstance(event, Trace):
            record.trace = event.t
        elif isinstance(event, (CheckRan, CheckRaised, CheckInvalid)):
            if not _fold_check(prep, event, blob, record):
                break
    record.unreported = record.done and any(c.name not in record.tests for c in prep.checks)
    return record


def _fold_check(prep: Prepared, event: CheckRan | CheckRaised | CheckInvalid, blob: bytes,
                record: Record) -> bool:
    """One check's frame; False (and a problem) when the stream cannot be believed."""
    check = prep.by_name.get(event.name)
    if check is None or event.name in record.tests:
        record.problem = record.problem or "unexpected check in the result stream"
        return False
    record.started = None
    if isinstance(event, CheckRan):
        record.tests[check.name] = _compared(prep, check, event, blob, record)
    elif isinstance(event, CheckRaised):
        record.tests[check.name] = _raised(check, event, record)
    else:
        record.tests[check.name] = TestResult(check.name, "invalid", check.regime,
                                              invalid_message(prep, event.info))
    return True


def _compared(prep: Prepared, check: Check, event: CheckRan, blob: bytes, record: Record
              ) -> TestResult:
    try:
        got = _decode_slots(event.slots, blob)
    except (wire.WireError, ValueError, TypeError, RuntimeError) as exc:
        return TestResult(check.name, "invalid", check.regime,
                          f"the outputs could not be read: {exc}")
    try:
        outcome = evaluate(prep, check, prep.expected[check.name], got, event.same)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RuntimeError) as exc:
        return TestResult(check.name, "invalid", check.regime,
                          f"the outputs could not be read: {exc}"[:300])
    record.outcomes[check.name] = outcome
    record.got[check.name] = got
    result = TestResult(check.name, outcome.status, check.regime, outcome.message)
    mismatch = outcome.mismatch
    if mismatch is not None and outcome.status == "failed":
        result.first_bad_step = mismatch.first_bad_step + 1
        result.max_abs_err = mismatch.max_abs_err
        result.max_rel_err = mismatch.max_rel_err
        worst_index = mismatch.worst_index
        result.worst_index = list(worst_index) if worst_index is not None else None
        result.expected = mismatch.expected
        result.got = mismatch.got
    return result


def _raised(check: Check, event: CheckRaised, record: Record) -> TestResult:
    tb = render_traceback(event.exc, record.code, record.filename)
    if "same device" in event.exc.message:
        tb += ("\ndevice mismatch: the inputs are on the grading device; create new "
               "tensors there too (torch.zeros_like(x), or device=x.device)")
    step = event.step
    where = f" at step {step + 1}" if step is not None and check.steps > 1 else ""
    return TestResult(check.name, "memory_limit" if event.exc.memory else "error",
                      check.regime, f"raised{where}:\n{tb}",
                      first_bad_step=(step + 1) if step is not None else None)


def classify_end(result: RunResult, record: Record) -> End:
    """How the run ended, most telling first.  Only the sandbox's marker and the guards'
    own frame speak for the sandbox; no exit code the submission can choose does."""
    if result.killed_by == KilledBy.CANCEL:
        return End(RunEnd.CANCELLED, "error", "grading was cancelled")
    if not record.sandboxed:
        return _unsandboxed_end(result, record)
    if record.forbidden:
        # exit code 86 alone is the submission's own exit (sys.exit(86) is no ban)
        return End(RunEnd.FORBIDDEN, "forbidden", f"called a banned API: {record.forbidden}")
    killed = _killed_end(result)
    if killed is not None:
        return killed
    return _reported_end(result, record)


def _unsandboxed_end(result: RunResult, record: Record) -> End:
    if record.empty:
        # Only the sandbox's own code runs before the marker: this is the grader's failure,
        # whatever exit code or signal the child ended with.
        why = result.stderr.strip()[:300] or why_exited(result.signal, result.exit_code)
        return End(RunEnd.SANDBOX_FAILED, "error", f"the sandbox could not be set up: {why}")
    why = record.problem or "the result stream does not start where the sandbox starts it"
    return End(RunEnd.UNMARKED, "error",
               f"the grader could not read the submission's outputs ({why})")


def _killed_end(result: RunResult) -> End | None:
    """The run was stopped by a limit or a signal."""
    sig, fsize = result.signal, result.fsize_limit
    if result.killed_by == KilledBy.TIMEOUT or sig == signal.SIGXCPU:
        return End(RunEnd.TIMEOUT, "timeout",
                   "the submission ran past the time limit and was stopped")
    if (sig == signal.SIGXFSZ or max(result.stdout_size, result.stderr_size) >= fsize
            or result.max_file_size >= fsize):
        which = ("standard output" if result.stdout_size >= fsize else
                 "standard error" if result.stderr_size >= fsize else "a file")
        return End(RunEnd.OUTPUT_LIMIT, "output_limit",
                   f"the submission wrote more than {fsize >> 20} MiB to {which}")
    if result.killed_by == KilledBy.STREAM_LIMIT or result.stream_truncated:
        return End(RunEnd.STREAM_LIMIT, "invalid",
                   "the submission returned far more data than the exercise expects")
    if sig == signal.SIGKILL and result.oom_kills > 0:
        return End(RunEnd.OUT_OF_MEMORY, "memory_limit",
                   "the submission ran out of memory (memory limit)")
    if sig is not None:
        return End(RunEnd.CRASHED, "crashed",
                   f"the submission's process was killed by {_CRASH_NAMES.get(sig, sig)}")
    return None


def _reported_end(result: RunResult, record: Record) -> End:
    """The child ended on its own: what its frames say."""
    if record.problem:
        return End(RunEnd.BAD_STREAM, "error",
                   f"the grader could not read the submission's outputs ({record.problem})")
    exc = record.load_error
    if exc is not None:
        what = "exited while loading" if exc.system_exit else "raised while loading"
        tb = render_traceback(exc, record.code, record.filename)
        return End(RunEnd.LOAD_ERROR, "memory_limit" if exc.memory else "error",
                   f"the submission {what}:\n{tb}")
    if record.invalid is not None:
        return End(RunEnd.INVALID, "invalid", record.invalid)
    if record.unreported:
        return End(RunEnd.INCOMPLETE, "invalid",
                   "the submission's outputs are incomplete: some checks never reported")
    if not record.done:
        return End(RunEnd.EXITED_EARLY, "error",
                   f"the submission's process exited (code {result.exit_code}) before "
                   f"returning its outputs" + ("" if record.loaded else ", while loading"))
    return End(RunEnd.COMPLETED)


def _test_list(prep: Prepared, record: Record, end: End) -> list[TestResult]:
    """Every check's result in order; the one running when the run stopped gets its
    status, the ones never reached are skipped."""
    out = []
    for c in prep.checks:
        if c.name in record.tests:
            out.append(record.tests[c.name])
        elif end.status is not None and c.name == record.started:
            out.append(TestResult(c.name, end.status, c.regime, end.message.split("\n")[0]))
        else:
            out.append(TestResult(c.name, "skipped", c.regime, ""))
    return out


def _diagnosis(prep: Prepared, record: Record, status: str) -> Diagnosis | None:
    if status != "passed" and unchanged_starter(prep, record.code):
        what = "This is the starter code, unchanged: it still has the original bug."
        return Diagnosis("unchanged-starter", what, what=what, fix="",
                         evidence="your code is the exercise's starter.py (ignoring comments, "
                                  "docstrings and formatting)", source="starter")
    if status == "failed":
        try:
            return diagnose(prep, record.outcomes, record.got)
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus, never a reason to fail
            return None
    return None


def _child_timing(result: RunResult, trace: Mapping[str, float] | None,
                  timing: dict[str, float]) -> None:
    """The child's phases (its own, untrusted clock readings: informative only)."""
    if not trace or result.t_sent is None:
        return
    try:
        marks = [("t_sent", result.t_sent)] + [
            (k, float(trace[k])) for k in ("job", "armed", "inputs", "loaded", "ran")]
    except (KeyError, TypeError, ValueError):
        return
    for (_a, ta), (b, tb) in zip(marks, marks[1:], strict=False):
        timing[f"child_{b}_ms"] = round((tb - ta) * 1000, 3)


def build_verdict(prep: Prepared, record: Record, end: End, *, result: RunResult, device: str,
                  t0: float) -> Verdict:
    tests = _test_list(prep, record, end)
    statuses = [t.status for t in tests if t.status != "skipped"]
    if end.status:
        statuses.append(end.status)
    status = worst(statuses) if statuses else "error"
    message = end.message or ("no check ran" if not statuses else "")
    diagnosis = _diagnosis(prep, record, status)
    if not message and status != "passed":
        first = next((t for t in tests if t.status == status), None)
        message = first.message.split("\n")[0] if first else ""
    return Verdict(prep.meta.id, status, device, _ms(t0), tests, diagnosis, message=message,
                   stdout=result.stdout[:4000], variant_seed=prep.variant_seed)


def assemble(prep: Prepared, result: RunResult | JsonObject, stream: bytes, *,
             code: str, filename: str, device: str, t0: float,
             timing: dict[str, float] | None = None) -> Verdict:
    """The verdict on one run: the fork server's report and the child's stream."""
    checked = frames_mod.check_result(result)
    events, sandboxed, problem = read_events(stream)
    record = fold(prep, events, Record(code, filename, sandboxed, not stream, problem))
    end = classify_end(checked, record)
    if timing is not None:
        _child_timing(checked, record.trace, timing)
    return build_verdict(prep, record, end, result=checked, device=device, t0=t0)
