"""Turn what the sandboxed child reported into a verdict (trusted side, imports torch).

The child's stream is untrusted bytes: every frame is validated, tensor metadata is
checked against the bytes, and only the comparison done here decides "passed".
"""

from __future__ import annotations

import math
import re
import signal
import time
from collections.abc import Callable
from typing import Any

import torch

from . import compare, probes, protocol, wire
from . import frames as frames_mod
from .static import normalized_source
from .verdict import Diagnosis, TestResult, Verdict, worst

_CRASH_NAMES = {getattr(signal, n): n for n in dir(signal)
                if n.startswith("SIG") and not n.startswith("SIG_") and isinstance(
                    getattr(signal, n), int)}


def _ms(t0: float) -> int:
    return int(round((time.monotonic() - t0) * 1000))


def _skipped(prep: Any, status: str = "skipped", message: str = "") -> list[TestResult]:
    return [TestResult(c.name, status, c.regime, message) for c in prep.checks]


def syntax_verdict(prep: Any, exc: SyntaxError, filename: str, device: str, t0: float
                   ) -> Verdict:
    line = exc.lineno or 1
    text = (exc.text or "").rstrip("\n")
    msg = f'  File "{filename}", line {line}\n'
    if text:
        msg += f"    {text.strip()}\n"
    msg += f"SyntaxError: {exc.msg}"
    return Verdict(prep.meta.id, "error", device, _ms(t0), _skipped(prep), None,
                   message=msg, variant_seed=prep.variant_seed)


def forbidden_verdict(prep: Any, findings: list, device: str, t0: float) -> Verdict:
    msg = "\n".join(f.message for f in findings[:10])
    return Verdict(prep.meta.id, "forbidden", device, _ms(t0), _skipped(prep), None,
                   message=msg, variant_seed=prep.variant_seed)


def render_traceback(exc: dict, code: str, filename: str) -> str:
    lines = code.splitlines()
    out = []
    frames = exc.get("frames") or []
    if frames:
        out.append("Traceback (most recent call last):")
        for fr in frames:
            try:
                lineno, name = int(fr[0]), str(fr[1])[:80]
            except (TypeError, ValueError, IndexError):
                continue
            out.append(f'  File "{filename}", line {lineno}, in {name}')
            if 1 <= lineno <= len(lines):
                out.append(f"    {lines[lineno - 1].strip()}")
    etype = str(exc.get("type", "Exception"))[:120]
    emsg = str(exc.get("message", ""))[:2000]
    out.append(f"{etype}: {emsg}" if emsg else etype)
    return "\n".join(out)


def _shape(s: Any) -> str:
    return "(" + ", ".join(str(x) for x in s) + ("," if len(s) == 1 else "") + ")"


def _invalid_message(prep: Any, info: dict) -> str:
    entry = prep.meta.entry
    kind = info.get("kind")
    slot = str(info.get("slot", ""))[:60]
    typ = str(info.get("type", ""))[:80]
    names = [n for n in (prep.spec.returns if isinstance(prep.spec.returns, tuple)
                         else [prep.spec.returns] if prep.spec.returns else [])]
    step = info.get("step")
    at = f" (at step {step + 1})" if isinstance(step, int) and step > 0 else ""
    if kind == "not_tuple":
        return (f"{entry} must return a tuple ({', '.join(names)}); it returned "
                f"{'None' if typ == 'NoneType' else 'a ' + typ}{at}")
    if kind == "wrong_len":
        return (f"{entry} must return {info.get('expected')} values ({', '.join(names)}); "
                f"it returned {info.get('got')}{at}")
    if kind == "not_tensor":
        if slot in prep.spec.updates:
            return f"the argument {slot} must stay a torch.Tensor (it is updated in place){at}"
        if typ == "NoneType":
            return f"{slot} is None: did you forget to return it?{at}"
        return f"{slot} must be a torch.Tensor, not a {typ}{at}"
    if kind == "subclass":
        return f"{slot} is a {typ}, a subclass of torch.Tensor: return a plain torch.Tensor{at}"
    if kind == "device":
        return (f"device mismatch: {slot} is on {str(info.get('device'))[:40]} but the inputs "
                f"are on the grading device; create tensors on the inputs' device "
                f"(torch.zeros_like(x), or device=x.device){at}")
    if kind == "missing_entry":
        return f"there is no function named {entry}: the exercise asks for {prep.meta.signature}"
    if kind == "not_callable":
        return f"{entry} is a {typ}, not a function"
    if kind == "signature":
        return (f"{str(info.get('theirs'))[:200]} cannot be called the way the exercise calls "
                f"it ({str(info.get('problem'))[:200]}); the signature must be "
                f"{prep.meta.signature}")
    return f"the submission's output is not valid ({str(kind)[:40]})"


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


def _decode_slots(frame: dict, blob: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    slots = frame.get("slots")
    if not isinstance(slots, dict):
        raise wire.WireError("missing slots")
    for name, meta in slots.items():
        if meta is not None and not isinstance(meta, dict):
            raise wire.WireError("bad slot metadata")
        if meta is None or "bad_dtype" in meta:
            out[name] = meta
            continue
        t = wire.decode_tensor(dict(meta, layout="contiguous"), blob)
        out[name] = {"t": t, "varies": meta.get("varies")}
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
            slots = _decode_slots(obj, blob)
        except (wire.WireError, ValueError, TypeError, RuntimeError):
            continue
        if isinstance(name, str):
            out[name] = {s: g["t"] for s, g in slots.items()
                         if isinstance(g, dict) and "t" in g and not g.get("varies")}
    return out


def _evaluate(prep: Any, check: Any, expected: dict, got: dict, same: dict
              ) -> tuple[str, str, compare.Mismatch | None, str | None, str]:
    """Compare one check.  Returns (status, message, mismatch, failure kind, slot)."""
    steps = check.steps
    for slot, e in expected["slots"].items():
        g = got.get(slot)
        if g is None:
            return "invalid", f"{slot} was not returned", None, "invalid", slot
        if "bad_dtype" in g:
            return ("invalid", f"{slot} has dtype {str(g['bad_dtype'])[:40]}, expected "
                    f"{str(e.dtype).removeprefix('torch.')}", None, "invalid", slot)
        t = g["t"]
        edt = str(e.dtype).removeprefix("torch.")
        if t.dtype != e.dtype:
            return ("invalid", f"{slot} has dtype {str(t.dtype).removeprefix('torch.')}, "
                    f"expected {edt} (the dtype of the inputs): keep the computation in the "
                    f"inputs' dtype", None, "invalid", slot)
        if tuple(t.shape[1:]) != tuple(e.shape[1:]):
            return ("invalid", f"{slot} has shape {_shape(t.shape[1:])}, expected "
                    f"{_shape(e.shape[1:])}", None, "invalid", slot)
        if g.get("varies"):
            v = g["varies"]
            return ("invalid", f"{slot} changes dtype or shape at step "
                    f"{int(v.get('step', 0)) + 1} (to {str(v.get('dtype'))[:20]} "
                    f"{_shape(v.get('shape') or [])})", None, "invalid", slot)
        if t.shape[0] != steps:
            return "invalid", f"{slot} is missing steps", None, "invalid", slot
    for slot, flags in expected["same"].items():
        gf = same.get(slot)
        if not isinstance(gf, list) or len(gf) != steps:
            return "invalid", f"{slot} was not returned", None, "invalid", slot
        for k, (ef, f) in enumerate(zip(flags, gf, strict=True)):
            if ef and f is not True:
                arg = prep.spec.same[slot]
                return ("failed", f"{prep.meta.entry} must fill `{arg}` in place and return "
                        f"it; it returned a different tensor" + (f" (step {k + 1})" if k else ""),
                        compare.Mismatch(k), "same", slot)
    cmp = check.comparator()
    for slot, e in expected["slots"].items():
        mm = cmp(e, got[slot]["t"])
        if mm is not None:
            return "failed", _mismatch_message(prep, check, slot, mm), mm, "compare", slot
    if check.verify is not None:
        problem = check.verify({s: g["t"] for s, g in got.items() if g and "t" in g},
                               check.inputs)
        if problem:
            return "failed", problem, None, "verify", ""
    return "passed", "", None, None, ""


def _mismatch_message(prep: Any, check: Any, slot: str, mm: compare.Mismatch) -> str:
    ref = prep.spec.reference_name
    step = f" at step {mm.first_bad_step + 1} of {check.steps}" if check.steps > 1 else ""
    if mm.detail:
        msg = f"{slot}{step}: {mm.detail}"
    else:
        idx = compare.fmt_index(mm.worst_index)
        msg = (f"{slot} differs from {ref}{step}: max abs err {_fmt(mm.max_abs_err)}, "
               f"max rel err {_fmt(mm.max_rel_err)}; worst at index {idx}: expected "
               f"{_fmt(mm.expected)}, got {_fmt(mm.got)}")
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


def _hyp_status(prep: Any, key: str | None, c: Any, rec: dict) -> tuple:
    """How a hypothesis's own outputs compare with the reference on one check (it does not
    depend on the submission: cached per hypothesis and check)."""
    cache = prep.__dict__.setdefault("_hyp_status", {})
    if key is None or (key, c.name) not in cache:
        st = _evaluate(prep, c, prep.expected[c.name], _as_got(rec), rec["same"])
        if key is None:
            return st
        cache[(key, c.name)] = st
    return cache[(key, c.name)]


def _reproduces(prep: Any, results: dict[str, tuple], got_all: dict[str, dict],
                records: Callable[[Any], dict | None], tol_dtype: Any = None,
                key: str | None = None) -> list[str] | None:
    """The names of the failing checks on which ``records`` (a hypothesis) reproduces the
    submission, when it does so on every compared check; else ``None``.  Failing checks are
    tried first: most hypotheses are rejected by the first one, before any other runs."""
    order = sorted(prep.checks, key=lambda c: (results.get(c.name, ("",))[0] != "failed",
                                               c.steps))  # cheap failing checks first
    matched: list[str] = []
    evidence = False
    for c in order:
        r = results.get(c.name)
        if r is None or r[0] not in ("passed", "failed"):
            continue
        rec = records(c)
        if rec is None:  # the hypothesis cannot run here: this check says nothing
            continue
        hstat = _hyp_status(prep, key, c, rec)
        if hstat[0] not in ("passed", "failed"):  # the hypothesis breaks the contract here
            continue
        if r[0] == "passed" and tol_dtype is not None:
            # a lower-precision hypothesis sits at the edge of the reference's tolerance:
            # here it only has to agree with the submission within its own precision
            if not _agree_slots(c, rec, got_all[c.name], tol_dtype):
                return None
            continue
        if r[0] != hstat[0]:
            return None
        if r[0] == "passed":
            continue
        if r[3] != hstat[3]:
            return None
        if r[3] == "compare":
            cmp = _loosened(c.comparator())
            if tol_dtype is not None and isinstance(cmp, _Scaled):
                cmp = _precision_cmp(c, tol_dtype)
            for slot, ht in rec["slots"].items():
                g = got_all[c.name].get(slot)
                ref = prep.expected[c.name]["slots"].get(slot)
                if g is None or not isinstance(ht, torch.Tensor) or ref is None:
                    return None
                ok, finite = _agrees(cmp, ht, g["t"], ref, c.comparator())
                if not ok:
                    return None
                evidence = evidence or finite
        else:  # an identity or property failure reproduced: evidence in itself
            evidence = True
        matched.append(c.name)
    return matched if matched and evidence else None


def _precision_cmp(c: Any, tol_dtype: Any) -> Any:
    """Relative tolerance of the lower dtype, absolute tolerance of the check itself (tiny
    values must still agree)."""
    inner = c.comparator()
    if not isinstance(inner, compare.Close):
        return _loosened(inner)
    rtol = compare.default_tolerances(tol_dtype)[0]

    class _Cmp:
        def __call__(self, expected: torch.Tensor, got: torch.Tensor, **kw: Any) -> Any:
            atol = inner.tolerances(expected.dtype)[1]
            return compare.Close(rtol * 10.0, atol * 10.0)(expected, got)

        def tolerances(self, dtype: Any) -> tuple[float, float]:
            return rtol * 10.0, inner.tolerances(dtype)[1] * 10.0

    return _Cmp()


def _agree_slots(c: Any, rec: dict, got: dict, tol_dtype: Any) -> bool:
    cmp = _precision_cmp(c, tol_dtype)
    for slot, ht in rec["slots"].items():
        g = got.get(slot)
        if g is None or not isinstance(ht, torch.Tensor) or ht.shape != g["t"].shape:
            return False
        if cmp(ht, g["t"], against_reference=False) is not None:
            return False
    return True


def _evidence_check(prep: Any, matched: list[str], relevant: Any = None) -> Any:
    checks = [prep.by_name[n] for n in matched]
    if relevant is not None:
        for c in checks:
            try:
                if relevant(c):
                    return c
            except Exception:  # noqa: BLE001
                continue
    return checks[0]


def _fitted_probes(prep: Any, results: dict[str, tuple], got_all: dict[str, dict]) -> list:
    """Constant-factor probes, with the factor fitted on the first failing check."""
    first = next((c for c in prep.checks if results.get(c.name, ("",))[0] == "failed"
                  and results[c.name][3] == "compare"), None)
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
        factor = probes.nice_factor(probes.fitted_factor(e[0], g["t"][0], before))
        if factor is not None and factor != -1.0:  # -1 is the sign probe's
            out.append(probes.scaled_probe(prep, slot, factor))
    return out


def _reduction_match(prep: Any, results: dict[str, tuple], got_all: dict[str, dict]
                     ) -> tuple[str, str, str, str, list[str]] | None:
    """A scalar output off by the size of one input dimension: a sum where the reference
    averages (or the reverse).  Returns (id, what, fix, evidence, matched) or None."""
    names = prep.spec.returns
    if (not isinstance(names, str) or names in prep.spec.carry.values()
            or names in prep.spec.same):
        return None
    first_arg = prep.spec.args[0] if prep.spec.args else None
    for kind in ("sum-not-mean", "mean-not-sum"):
        for dim in range(4):
            def records(c: Any, _dim=dim, _kind=kind) -> dict | None:
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
                n = c.inputs[first_arg].shape[dim]
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


def _same_hypothesis(prep: Any, a: Any, b: Any) -> bool:
    """Two probes compute the same outputs on every check (then the first, by priority,
    names the mistake: they are one explanation written two ways)."""
    for c in prep.checks:
        ra, rb = probes.run_probe(prep, a, c), probes.run_probe(prep, b, c)
        if (ra is None) != (rb is None):
            return False
        if ra is None:
            continue
        cmp = _loosened(c.comparator())
        for slot, ta in ra["slots"].items():
            tb = rb["slots"].get(slot)
            if not isinstance(ta, torch.Tensor) or not isinstance(tb, torch.Tensor):
                return False
            if ta.shape != tb.shape or cmp(ta, tb, against_reference=False) is not None:
                return False
    return True


def _nonfinite_match(prep: Any, results: dict[str, tuple], got_all: dict[str, dict]
                     ) -> list[str] | None:
    """Every failing check fails only because the output is inf or NaN where the reference
    is finite (everything finite agrees): the computation overflows or divides 0 by 0."""
    matched = []
    for c in prep.checks:
        r = results.get(c.name)
        if r is None or r[0] != "failed":
            continue
        if r[3] != "compare" or not isinstance(c.comparator(), compare.Close):
            return None
        cmp = _loosened(c.comparator())
        seen = False
        for slot, e in prep.expected[c.name]["slots"].items():
            g = got_all[c.name][slot]["t"]
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


def _evidence_text(prep: Any, check: Any, hypothesis: str) -> str:
    return f'on the "{check.regime}" check ({check.name}) your output equals {hypothesis}'


def diagnose(prep: Any, results: dict[str, tuple], got_all: dict[str, dict]) -> Diagnosis | None:
    """Name the mistake: a known mutant the submission reproduces on every comparable check,
    else one contract probe (``probes``) that does.  Ambiguous evidence names nothing."""
    failing = [n for n, r in results.items() if r[0] == "failed"]
    if not failing:
        return None
    mutants = prep.mutant_records()
    meta_by_id = {m.id: m for m in prep.meta.mutants}
    for mid, recs in mutants.items():
        matched = _reproduces(prep, results, got_all,
                              lambda c, _r=recs: _r.get(c.name), key=f"mutant:{mid}")
        if matched:
            mm = meta_by_id[mid]
            what, fix = split_misconception(mm.misconception, getattr(mm, "fix", ""))
            c = prep.by_name[matched[0]]
            ev = _evidence_text(prep, c, f'the known mistake "{mid}"')
            if len(matched) > 1:
                ev += f" (and on {len(matched) - 1} more failing check(s))"
            return Diagnosis(mid, mm.misconception, what=what, fix=fix, evidence=ev,
                             source="mutant")
    blown = _nonfinite_match(prep, results, got_all)
    if blown:
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
    hits = []
    for probe in probes.probes_for(prep) + _fitted_probes(prep, results, got_all):
        matched = _reproduces(prep, results, got_all,
                              lambda c, _p=probe: probes.run_probe(prep, _p, c),
                              probe.tol_dtype, key=probe.key or None)
        if matched:
            hits.append((probe, matched))
    reduction = _reduction_match(prep, results, got_all)
    if hits and reduction is not None:
        return None
    if hits and not all(p.group == hits[0][0].group
                        or _same_hypothesis(prep, hits[0][0], p) for p, _m in hits[1:]):
        return None  # two different explanations fit: name neither
    if not hits and reduction is None:
        return None
    if reduction is not None:
        rid, what, fix, ev, matched = reduction
        c = prep.by_name[matched[0]]
        return Diagnosis(rid, f"{what} {fix}", what=what, fix=fix,
                         evidence=_evidence_text(prep, c, ev), source="probe")
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


def unchanged_starter(prep: Any, code: str) -> bool:
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


def _as_got(rec: dict) -> dict:
    return {s: {"t": t, "varies": None} if isinstance(t, torch.Tensor) else None
            for s, t in rec["slots"].items()}


def assemble(prep: Any, res: dict, stream: bytes, *, code: str, filename: str, device: str,
             t0: float, timing: dict | None = None) -> Any:
    res = frames_mod.check_result(res)
    frames, problem = protocol.split_frames(stream)
    for i, (obj, blob) in enumerate(frames):
        try:
            frames_mod.check_frame(obj, len(blob), i)
        except frames_mod.FrameError as exc:
            frames, problem = frames[:i], str(exc)
            break
    # The child writes the marker once its sandbox is complete, before any submission code
    # runs: without it, nothing the submission did (an exit code, a frame) counts.
    sandboxed = bool(frames) and frames[0] == (frames_mod.SANDBOXED, b"")
    frames = frames[1:] if sandboxed else []
    tests: dict[str, TestResult] = {}
    results: dict[str, tuple] = {}
    got_all: dict[str, dict] = {}
    run_status: str | None = None
    run_message = ""
    forbidden_what = None
    import_exc = None
    invalid_info = None
    loaded = done = False
    started: str | None = None
    trace = None
    for obj, blob in frames:
        ev = obj.get("event")
        if ev == "forbidden":
            forbidden_what = str(obj.get("what", "a banned API"))[:200]
        elif ev == "import_error":
            import_exc = obj.get("exc") if isinstance(obj.get("exc"), dict) else {}
        elif ev == "invalid":
            invalid_info = obj
        elif ev == "loaded":
            loaded = True
        elif ev == "done":
            done = True
        elif ev == "start":
            started = str(obj.get("name"))
        elif ev == "trace":
            trace = obj.get("t") if isinstance(obj.get("t"), dict) else None
        elif ev == "check":
            name = obj.get("name")
            check = prep.by_name.get(name) if isinstance(name, str) else None
            if check is None or name in tests:
                problem = problem or "unexpected check in the result stream"
                break
            started = None
            st = obj.get("status")
            if st == "ok":
                try:
                    got = _decode_slots(obj, blob)
                except (wire.WireError, ValueError, TypeError, RuntimeError) as exc:
                    tests[name] = TestResult(name, "invalid", check.regime,
                                             f"the outputs could not be read: {exc}")
                    continue
                same = obj.get("same") if isinstance(obj.get("same"), dict) else {}
                try:
                    r = _evaluate(prep, check, prep.expected[name], got, same)
                except (ValueError, TypeError, KeyError, IndexError, AttributeError,
                        RuntimeError) as exc:
                    tests[name] = TestResult(name, "invalid", check.regime,
                                             f"the outputs could not be read: {exc}"[:300])
                    continue
                results[name] = r
                got_all[name] = got
                status, message, mm, _kind, _slot = r
                tr = TestResult(name, status, check.regime, message)
                if mm is not None and status == "failed":
                    tr.first_bad_step = mm.first_bad_step + 1
                    tr.max_abs_err = mm.max_abs_err
                    tr.max_rel_err = mm.max_rel_err
                    tr.worst_index = list(mm.worst_index) if mm.worst_index is not None else None
                    tr.expected = mm.expected
                    tr.got = mm.got
                tests[name] = tr
            elif st == "error":
                exc = obj.get("exc") if isinstance(obj.get("exc"), dict) else {}
                step = obj.get("step")
                tb = render_traceback(exc, code, filename)
                if "same device" in str(exc.get("message", "")):
                    tb += ("\ndevice mismatch: the inputs are on the grading device; create new "
                           "tensors there too (torch.zeros_like(x), or device=x.device)")
                where = f" at step {step + 1}" if isinstance(step, int) and check.steps > 1 else ""
                status = "memory_limit" if exc.get("memory") else "error"
                tests[name] = TestResult(name, status, check.regime,
                                         f"raised{where}:\n{tb}",
                                         first_bad_step=(step + 1) if isinstance(step, int)
                                         else None)
            elif st == "invalid":
                tests[name] = TestResult(name, "invalid", check.regime,
                                         _invalid_message(prep, obj))
            else:
                problem = problem or "malformed check frame"
                break
    # -- how the run ended --------------------------------------------------------------
    sig = res.get("signal")
    code_ = res.get("exit_code")
    killed_by = res.get("killed_by")
    fsize = int(res.get("stdout_size", 0)), int(res.get("stderr_size", 0))
    limits_fsize = int(res.get("fsize_limit") or (4 << 20))
    if killed_by == "cancel":
        run_status = "error"
        run_message = "grading was cancelled"
    elif not sandboxed and not stream:
        # Only the sandbox's own code runs before the marker: this is the grader's failure,
        # whatever exit code or signal the child ended with.
        run_status = "error"
        run_message = ("the sandbox could not be set up: "
                       + (str(res.get("stderr", "")).strip()[:300] or why_exited(sig, code_)))
    elif not sandboxed:
        run_status = "error"
        run_message = ("the grader could not read the submission's outputs ("
                       + (problem or "the result stream does not start where the sandbox "
                                     "starts it") + ")")
    elif forbidden_what:
        # Only the guards' own frame says "banned API"; exit code 86 alone is the
        # submission's own exit (sys.exit(86) must not pass for a ban).
        run_status = "forbidden"
        run_message = f"called a banned API: {forbidden_what}"
    elif killed_by == "timeout" or sig == signal.SIGXCPU:
        run_status = "timeout"
        run_message = "the submission ran past the time limit and was stopped"
    elif (sig == signal.SIGXFSZ or max(fsize) >= limits_fsize
          or int(res.get("max_file_size", 0)) >= limits_fsize):
        run_status = "output_limit"
        which = "standard output" if fsize[0] >= limits_fsize else (
            "standard error" if fsize[1] >= limits_fsize else "a file")
        run_message = f"the submission wrote more than {limits_fsize >> 20} MiB to {which}"
    elif killed_by == "stream_limit" or res.get("stream_truncated"):
        run_status = "invalid"
        run_message = "the submission returned far more data than the exercise expects"
    elif sig is not None and (sig == signal.SIGKILL and int(res.get("oom_kills", 0)) > 0):
        run_status = "memory_limit"
        run_message = "the submission ran out of memory (memory limit)"
    elif sig is not None:
        run_status = "crashed"
        run_message = f"the submission's process was killed by {_CRASH_NAMES.get(sig, sig)}"
    elif problem:
        run_status = "error"
        run_message = f"the grader could not read the submission's outputs ({problem})"
    elif import_exc is not None:
        tb = render_traceback(import_exc, code, filename)
        if import_exc.get("memory"):
            run_status = "memory_limit"
        else:
            run_status = "error"
        what = "exited while loading" if import_exc.get("system_exit") else "raised while loading"
        run_message = f"the submission {what}:\n{tb}"
    elif invalid_info is not None:
        run_status = "invalid"
        run_message = _invalid_message(prep, invalid_info)
    elif done and any(c.name not in tests for c in prep.checks):
        run_status = "invalid"
        run_message = "the submission's outputs are incomplete: some checks never reported"
    elif not done:
        run_status = "error"
        run_message = (f"the submission's process exited (code {code_}) before returning its "
                       f"outputs" + ("" if loaded else ", while loading"))
    # -- tests --------------------------------------------------------------------------
    out_tests: list[TestResult] = []
    for c in prep.checks:
        if c.name in tests:
            out_tests.append(tests[c.name])
        elif run_status is not None and c.name == started:
            out_tests.append(TestResult(c.name, run_status, c.regime, run_message.split("\n")[0]))
        else:
            out_tests.append(TestResult(c.name, "skipped", c.regime, ""))
    statuses = [t.status for t in out_tests if t.status != "skipped"]
    if run_status:
        statuses.append(run_status)
    status = worst(statuses) if statuses else (run_status or "error")
    if not statuses:
        status = "error"
        run_message = run_message or "no check ran"
    diagnosis = None
    if status != "passed" and unchanged_starter(prep, code):
        diagnosis = Diagnosis(
            "unchanged-starter",
            "This is the starter code, unchanged: it still has the original bug.",
            what="This is the starter code, unchanged: it still has the original bug.",
            fix="", evidence="your code is the exercise's starter.py (ignoring comments, "
                             "docstrings and formatting)", source="starter")
    elif status == "failed":
        try:
            diagnosis = diagnose(prep, results, got_all)
        except Exception:  # noqa: BLE001 - a diagnosis is a bonus, never a reason to fail
            diagnosis = None
    if not run_message and status != "passed":
        first = next((t for t in out_tests if t.status == status), None)
        run_message = first.message.split("\n")[0] if first else ""
    if timing is not None and trace:
        try:
            marks = [("t_sent", float(res["t_sent"]))] + [
                (k, float(trace[k])) for k in ("job", "armed", "inputs", "loaded", "ran")]
            for (_a, ta), (b, tb) in zip(marks, marks[1:], strict=False):
                timing[f"child_{b}_ms"] = round((tb - ta) * 1000, 3)
        except (KeyError, TypeError, ValueError):
            pass
    stdout = str(res.get("stdout", ""))
    return Verdict(prep.meta.id, status, device, _ms(t0), out_tests, diagnosis,
                   message=run_message, stdout=stdout[:4000],
                   variant_seed=prep.variant_seed)

