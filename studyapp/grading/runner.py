"""Run one check of a plan with a function: the same code drives the learner's submission
(inside the sandboxed child) and the reference and mutants (on the trusted side), so both
sides see exactly the same call sequence.

A check in a plan (JSON, see ``kit.Check.to_plan``)::

    {"name", "steps", "args": [positional names], "inputs": {name: value},
     "per_step": {name: value}, "layout": {name: layout},
     "returns": {"kind": "none"|"single"|"tuple", "names": [...]},
     "updates": [arg names], "carry": {arg: slot}, "same": {slot: arg}, "grads": [arg names]}

Each step calls ``fn(*positional, **keywords)``: positional arguments are the names listed
in ``args`` (those present), every other input is passed by keyword.  Per-step inputs
override ``inputs`` at their step.  After the call, the returned values and the final
state of every ``updates`` argument are snapshotted; ``carry`` feeds a slot into the next
step's argument; ``same`` records whether a returned slot is the very object passed as an
argument (in-place functions that return their input).  An ``updates`` argument may be a
sequence of tensors (a list of gradients clipped in place): its state is recorded as the
concatenation of the flattened tensors.  ``grads`` names tensor arguments passed with
``requires_grad=True``; after the call the gradient of the returned value (summed) with
respect to each is recorded as slot ``grad_<name>`` (zeros where the value does not depend
on it, e.g. a target the function detached; an empty tensor when the argument is ``None``
or left out).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

import torch

from . import wire
from .contract import JsonValue

_Tensor = torch.Tensor
_Parameter = torch.nn.Parameter
_detach = torch.Tensor.detach
_to = torch.Tensor.to
_clone = torch.Tensor.clone
_stack = torch.stack
_cat = torch.cat
_reshape = torch.Tensor.reshape
_requires_grad_ = torch.Tensor.requires_grad_
_ones_like = torch.ones_like
_zeros_like = torch.zeros_like
_empty = torch.zeros(0)
# the C++ autograd engine itself, not torch.autograd.grad (a Python function a submission
# could rewrite)
_run_backward = torch.autograd.Variable._execution_engine.run_backward
_isinstance = isinstance
_type = type


class Records(TypedDict):
    """One check's outputs: per-step snapshots by slot (``stack`` makes them one tensor),
    and per-step identity flags of the ``same`` slots."""

    slots: dict[str, Any]
    same: dict[str, list[bool]]


class CallError(Exception):
    """The function raised; ``step`` is 0-based."""

    def __init__(self, step: int, exc: BaseException):
        super().__init__(str(exc))
        self.step = step
        self.exc = exc


class InvalidOutput(Exception):
    """The function returned something the contract does not allow."""

    def __init__(self, step: int, kind: str, **info: str | int):
        super().__init__(kind)
        self.step = step
        self.kind = kind
        self.info = info


def _strs(v: JsonValue) -> list[str]:
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _obj(v: JsonValue) -> dict[str, JsonValue]:
    return v if isinstance(v, dict) else {}


def _str_map(v: JsonValue) -> dict[str, str]:
    return {k: x for k, x in _obj(v).items() if isinstance(x, str)}


def _per_step(v: object) -> torch.Tensor | tuple[object, ...]:
    """A per-step input: a stacked tensor (a row per step) or a sequence (an item each)."""
    if isinstance(v, (torch.Tensor, tuple)):
        return v
    raise wire.WireError("per-step values must be a stacked tensor or a sequence")


class Materialized:
    """A decoded check: tensors on the target device, ready to run.  The plan is the
    trusted side's (``kit.Check.to_plan``); a field of the wrong type reads as empty."""

    def __init__(self, check: Mapping[str, JsonValue], blob: bytes | memoryview,
                 device: str = "cpu"):
        self.check = check
        self.device = device
        self.name = str(check["name"])
        steps = check.get("steps", 1)
        self.steps = int(steps) if isinstance(steps, (int, float, str)) else 1
        self.args = _strs(check.get("args"))
        self.layout = _str_map(check.get("layout"))
        self.inputs: dict[str, object] = {
            k: wire.decode_value(_with_layout(v, self.layout.get(k)), blob, device)
            for k, v in _obj(check.get("inputs")).items()}
        self.per_step = {k: _per_step(wire.decode_value(v, blob, device))
                         for k, v in _obj(check.get("per_step")).items()}
        ret = _obj(check.get("returns", {"kind": "none", "names": []}))
        self.ret_kind = ret["kind"]
        self.ret_names = _strs(ret["names"])
        self.updates = _strs(check.get("updates"))
        self.carry = _str_map(check.get("carry"))
        self.same = _str_map(check.get("same"))
        self.grads = _strs(check.get("grads"))

    def slots(self) -> list[str]:
        """Recorded data slots, in report order (``same`` slots are checked by identity)."""
        return ([n for n in self.ret_names if n not in self.same] + list(self.updates)
                + [grad_slot(n) for n in self.grads])


def grad_slot(arg: str) -> str:
    """The slot that records the gradient with respect to argument ``arg``."""
    return f"grad_{arg}"


def _with_layout(v: JsonValue, layout: str | None) -> JsonValue:
    """Apply ``layout`` to a tensor input, or to every tensor of a sequence input."""
    if layout and isinstance(v, dict):
        if "t" in v:
            return {"t": dict(v["t"], layout=layout)}
        if isinstance(v.get("seq"), list):
            return {"seq": [_with_layout(e, layout) for e in v["seq"]]}
    return v


def _type_name(x: Any) -> str:
    t = _type(x)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _check_tensor(x: Any, slot: str, step: int, device_type: str) -> _Tensor:
    t = _type(x)
    if t is not _Tensor and t is not _Parameter:
        if _isinstance(x, _Tensor):
            raise InvalidOutput(step, "subclass", slot=slot, type=_type_name(x)[:80])
        raise InvalidOutput(step, "not_tensor", slot=slot, type=_type_name(x)[:80])
    dev = x.device.type
    if dev != device_type:
        raise InvalidOutput(step, "device", slot=slot, device=str(x.device)[:40])
    checked: _Tensor = x
    return checked


def _flat_state(seq: Any, slot: str, step: int, device_type: str) -> _Tensor:
    """The state of a sequence of tensors updated in place, as one flat tensor."""
    parts = [_reshape(_detach(_check_tensor(x, slot, step, device_type)), (-1,)) for x in seq]
    if not parts:
        raise InvalidOutput(step, "not_tensor", slot=slot, type="empty sequence")
    return _cat(parts)


def _gradients(out: Any, inputs: list[_Tensor], step: int) -> list[_Tensor]:
    """d(sum of out)/d(input) for each input; zeros where out does not depend on it."""
    if not out.requires_grad:
        return [_zeros_like(x) for x in inputs]
    try:
        got = _run_backward((out,), (_ones_like(out),), False, False, tuple(inputs), True,
                            accumulate_grad=False)
    except BaseException as exc:  # noqa: BLE001 - a custom backward may raise
        raise CallError(step, exc) from exc
    return [_zeros_like(x) if g is None else g for x, g in zip(inputs, got, strict=True)]


def _snapshot(t: _Tensor) -> _Tensor:
    return _clone(_to(_detach(t), "cpu"))


class _Calls:
    """What ``run`` works out once per check, so that each step does only the call."""

    def __init__(self, m: Materialized):
        self.device_type = torch.device(m.device).type
        self.m = m
        self.arg_names = list(m.args)
        self.arg_set = set(self.arg_names)
        # per-step inputs: (name, values, layout); plain rows of a stacked tensor are passed
        # as views (each row is used by exactly one call), odd layouts are rebuilt per step
        self.per_step = [(name, v, m.layout.get(name, "contiguous"))
                         for name, v in m.per_step.items()]

    def arguments(self, state: dict[str, Any], k: int) -> dict[str, Any]:
        call = dict(state)
        for name, v, layout in self.per_step:
            if layout == "contiguous":
                call[name] = v[k]
            else:
                call[name] = wire.slice_step(v, k, layout, self.m.device)
        for name in self.m.grads:
            if call.get(name) is not None:
                call[name] = _requires_grad_(_detach(call[name]), True)
        return call

    def call(self, fn: Callable[..., Any], call: dict[str, Any], k: int) -> Any:
        positional = [call[a] for a in self.arg_names if a in call]
        keywords = {a: v for a, v in call.items() if a not in self.arg_set}
        try:
            return fn(*positional, **keywords)
        except BaseException as exc:  # noqa: BLE001 - everything the learner raises is reported
            raise CallError(k, exc) from exc

    def returned(self, ret: Any, k: int) -> dict[str, Any]:
        """The returned values by slot name, in the shape the contract asks for."""
        names = self.m.ret_names
        if self.m.ret_kind == "tuple":
            if not _isinstance(ret, (tuple, list)):
                raise InvalidOutput(k, "not_tuple", type=_type_name(ret)[:80],
                                    expected=len(names))
            if len(ret) != len(names):
                raise InvalidOutput(k, "wrong_len", got=len(ret), expected=len(names))
            return dict(zip(names, list(ret), strict=True))
        if self.m.ret_kind == "single":
            return {names[0]: ret}
        return {}

    def outputs(self, ret: Any, call: dict[str, Any], same: dict[str, list[bool]], k: int
                ) -> dict[str, Any]:
        """Every recorded slot's value after step ``k`` (checked to be a plain tensor)."""
        device_type, same_map = self.device_type, self.m.same
        outs = self.returned(ret, k)
        for name in list(outs):
            x = outs[name]
            if name in same_map:
                same[name].append(x is call.get(same_map[name]))
                continue
            t = _type(x)
            if (t is not _Tensor and t is not _Parameter) or x.device.type != device_type:
                _check_tensor(x, name, k, device_type)
        for name in self.m.updates:
            x = call[name]
            t = _type(x)
            if t is tuple or t is list:
                x = _flat_state(x, name, k, device_type)
            elif (t is not _Tensor and t is not _Parameter) or x.device.type != device_type:
                _check_tensor(x, name, k, device_type)
            outs[name] = x
        if self.m.grads:
            self._add_gradients(outs, call, k)
        return outs

    def _add_gradients(self, outs: dict[str, Any], call: dict[str, Any], k: int) -> None:
        grads = self.m.grads
        given = [name for name in grads if call.get(name) is not None]
        for name in grads:  # an optional argument left out: an empty gradient
            outs[grad_slot(name)] = _empty
        inputs = [call[name] for name in given]
        for name, g in zip(given, _gradients(outs[self.m.ret_names[0]], inputs, k),
                           strict=True):
            outs[grad_slot(name)] = g

    def carry(self, state: dict[str, Any], outs: dict[str, Any], call: dict[str, Any]) -> None:
        """Feed this step's results into the next step's arguments."""
        same_map = self.m.same
        for arg, slot in self.m.carry.items():
            if slot in outs:
                state[arg] = outs[slot]
            elif slot in same_map and same_map[slot] in call:
                state[arg] = call[same_map[slot]]
        for name in self.m.updates:
            state[name] = call[name]


def run(fn: Callable[..., object], m: Materialized, *, snapshot: bool = True) -> Records:
    """Run every step; returns ``{"slots": {slot: [cpu tensors]}, "same": {slot: [bool]}}``.

    Raises ``CallError`` when ``fn`` raises and ``InvalidOutput`` for a bad return value.
    """
    calls = _Calls(m)
    on_cpu = calls.device_type == "cpu"
    state = dict(m.inputs)
    slots = m.slots()
    records: dict[str, list[Any]] = {s: [] for s in slots}
    same: dict[str, list[bool]] = {s: [] for s in m.same}
    append = [(s, records[s].append) for s in slots]
    for k in range(m.steps):
        call = calls.arguments(state, k)
        outs = calls.outputs(calls.call(fn, call, k), call, same, k)
        for s, add in append:
            x = outs[s]
            if not snapshot:
                add(x)
            elif on_cpu:
                add(_clone(_detach(x)) if x.requires_grad else _clone(x))
            else:
                add(_snapshot(x))
        calls.carry(state, outs, call)
    return {"slots": records, "same": same}


def stack(records: Records) -> Records:
    """Stack per-step snapshots into one ``(steps, *shape)`` tensor per slot when the steps
    agree on dtype and shape; otherwise keep the list (reported as invalid later)."""
    out: dict[str, Any] = {}
    for slot, ts in records["slots"].items():
        if ts and all(t.dtype == ts[0].dtype and t.shape == ts[0].shape for t in ts):
            out[slot] = _stack(ts)
        else:
            out[slot] = ts
    return {"slots": out, "same": records["same"]}
