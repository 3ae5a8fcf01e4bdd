"""Validation of the frames a sandboxed child writes (trusted side, no torch).

The child's result pipe is written by the submission as much as by the grader's own code
in the child (``os.write(3, ...)`` is one line of Python), so every frame is untrusted.
``check_frame`` holds each frame to the shape the real child writes (``child.py``):
known keys have the right types, every number is finite and within bounds, every string
and list is bounded.  A frame that fails yields a plain sentence; ``assemble`` turns it
into status ``error`` instead of letting a forged value reach arithmetic or formatting
(``int(float("inf"))`` raises ``OverflowError``).

``check_result`` does the same for the fork server's reply about the run.
"""

from __future__ import annotations

import math

from .contract import (
    JSON,
    CheckInvalid,
    CheckRaised,
    CheckRan,
    ChildEvent,
    ContractBroken,
    Event,
    ExcInfo,
    Forbidden,
    InvalidInfo,
    KilledBy,
    LoadFailed,
    Marker,
    RunResult,
    Started,
    Trace,
)

# The first frame of every run, written by the child after its sandbox is complete and
# before any submission code runs.  Without it the submission never ran.
SANDBOXED = {"event": Event.SANDBOXED.value}

MAX_INT = 2**53  # beyond this no honest frame has a number (ids, sizes, steps, lines)
MAX_STR = 8192
MAX_LIST = 4096
MAX_DEPTH = 8
MAX_STEPS = 1 << 20
MAX_LINE = 10**7

ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int8": 1, "int16": 2,
            "int32": 4, "int64": 8, "uint8": 1, "bool": 1}  # wire.DTYPES, without torch
EVENTS = tuple(e.value for e in Event)
CHECK_STATUSES = ("ok", "error", "invalid")


class FrameError(ValueError):
    """A frame from the child is not one the grader's own child code would write."""


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _scan(v: object, where: str, depth: int = 0) -> None:
    """Every value anywhere in the frame: bounded, finite, JSON-shaped."""
    if depth > MAX_DEPTH:
        raise FrameError(f"{where} is nested too deeply")
    if v is None or isinstance(v, bool):
        return
    if isinstance(v, int):
        if abs(v) > MAX_INT:
            raise FrameError(f"{where} holds a number out of range")
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise FrameError(f"{where} holds a non-finite number")
        if abs(v) > 1e300:
            raise FrameError(f"{where} holds a number out of range")
    elif isinstance(v, str):
        if len(v) > MAX_STR:
            raise FrameError(f"{where} holds an oversized string")
    elif isinstance(v, list):
        if len(v) > MAX_LIST:
            raise FrameError(f"{where} holds an oversized list")
        for x in v:
            _scan(x, where, depth + 1)
    elif isinstance(v, dict):
        if len(v) > MAX_LIST:
            raise FrameError(f"{where} holds an oversized object")
        for k, x in v.items():
            if not isinstance(k, str) or len(k) > 200:
                raise FrameError(f"{where} holds a bad key")
            _scan(x, where, depth + 1)
    else:  # json.loads makes nothing else, but a caller might
        raise FrameError(f"{where} holds a {type(v).__name__}")


def _str(obj: dict[str, JSON], key: str, where: str, *, required: bool = True) -> None:
    if key not in obj and not required:
        return
    if not isinstance(obj.get(key), str):
        raise FrameError(f"{where}: {key!r} must be a string")


def _int(obj: dict[str, JSON], key: str, where: str, lo: int, hi: int, *,
         optional: bool = False) -> None:
    v = obj.get(key)
    if v is None and optional:
        return
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise FrameError(f"{where}: {key!r} must be a whole number from {lo} to {hi}")


def _shape(v: object, where: str) -> None:
    if not isinstance(v, list) or len(v) > 16 or not all(
            _is_int(s) and 0 <= s < 2**31 for s in v):
        raise FrameError(f"{where}: bad shape")


def _exc(v: object, where: str) -> None:
    if not isinstance(v, dict):
        raise FrameError(f"{where}: 'exc' must be an object")
    _str(v, "type", where)
    _str(v, "message", where, required=False)
    frames = v.get("frames", [])
    if not isinstance(frames, list):
        raise FrameError(f"{where}: bad traceback")
    for fr in frames:
        if (not isinstance(fr, list) or len(fr) != 2 or not _is_int(fr[0])
                or not 0 <= fr[0] <= MAX_LINE or not isinstance(fr[1], str)):
            raise FrameError(f"{where}: bad traceback entry")
    for flag in ("memory", "system_exit"):
        if not isinstance(v.get(flag, False), bool):
            raise FrameError(f"{where}: {flag!r} must be true or false")


def _tensor_meta(meta: object, where: str, blob_len: int) -> None:
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise FrameError(f"{where}: bad slot metadata")
    if "bad_dtype" in meta:
        _str(meta, "bad_dtype", where)
        return
    dtype = meta.get("dtype")
    itemsize = ITEMSIZE.get(dtype) if isinstance(dtype, str) else None
    if itemsize is None:
        raise FrameError(f"{where}: unknown dtype")
    _shape(meta.get("shape"), where)
    _int(meta, "off", where, 0, blob_len)
    _int(meta, "n", where, 0, blob_len)
    if meta["off"] + meta["n"] > blob_len:
        raise FrameError(f"{where}: tensor bytes out of range")
    if math.prod(meta["shape"]) * itemsize != meta["n"]:
        raise FrameError(f"{where}: the byte count does not match the tensor's dtype and shape")
    varies = meta.get("varies")
    if varies is not None:
        if not isinstance(varies, dict):
            raise FrameError(f"{where}: bad 'varies'")
        _int(varies, "step", where, 0, MAX_STEPS)
        _str(varies, "dtype", where)
        _shape(varies.get("shape"), where)


def _check(obj: dict[str, JSON], where: str, blob_len: int) -> None:
    _str(obj, "name", where)
    status = obj.get("status")
    if status not in CHECK_STATUSES:
        raise FrameError(f"{where}: unknown check status")
    if status == "ok":
        slots, same = obj.get("slots"), obj.get("same", {})
        if not isinstance(slots, dict):
            raise FrameError(f"{where}: 'slots' must be an object")
        for meta in slots.values():
            _tensor_meta(meta, where, blob_len)
        if not isinstance(same, dict) or not all(
                isinstance(f, list) and all(isinstance(x, bool) for x in f)
                for f in same.values()):
            raise FrameError(f"{where}: 'same' must map slots to lists of true/false")
        return
    _int(obj, "step", where, 0, MAX_STEPS, optional=True)
    if status == "error":
        _exc(obj.get("exc"), where)
    else:
        _str(obj, "kind", where)


def check_frame(obj: object, blob_len: int, index: int = 0) -> None:
    """Raise ``FrameError`` unless ``obj`` is a frame the real child could have written."""
    where = f"frame {index + 1}"
    if not isinstance(obj, dict):
        raise FrameError(f"{where} is not an object")
    _scan(obj, where)
    event = obj.get("event")
    if event not in EVENTS:
        return  # events this module does not know are bounded by _scan, read by nobody here
    if event == "check":
        _check(obj, where, blob_len)
    elif event == "start":
        _str(obj, "name", where)
    elif event == "import_error":
        _exc(obj.get("exc"), where)
    elif event == "invalid":
        _str(obj, "kind", where)
        names = obj.get("names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise FrameError(f"{where}: 'names' must be a list of strings")
    elif event == "forbidden":
        _str(obj, "what", where, required=False)
    elif event == "trace":
        t = obj.get("t")
        if not isinstance(t, dict) or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) for x in t.values()):
            raise FrameError(f"{where}: 't' must map phases to times")
    if blob_len and event != "check":  # of the known events only checks carry tensors
        raise FrameError(f"{where} carries bytes it should not")


# -- typed events ------------------------------------------------------------------------------


def decode_event(obj: dict[str, JSON], blob_len: int, index: int = 0) -> ChildEvent | None:
    """One validated frame as its event (``None`` for an event nobody reads); raises
    ``FrameError`` like ``check_frame``."""
    check_frame(obj, blob_len, index)
    event = obj.get("event")
    if event == Event.CHECK:
        return _check_event(obj)
    if event in (Event.SANDBOXED, Event.LOADED, Event.DONE):
        return Marker(Event(str(event)))
    if event == Event.START:
        return Started(str(obj["name"]))
    if event == Event.IMPORT_ERROR:
        return LoadFailed(ExcInfo.from_json(obj.get("exc")))
    if event == Event.INVALID:
        return ContractBroken(InvalidInfo.from_json(obj))
    if event == Event.FORBIDDEN:
        return Forbidden(str(obj.get("what", "a banned API"))[:200])
    if event == Event.TRACE:
        t = obj.get("t")
        return Trace({str(k): float(v) for k, v in t.items()} if isinstance(t, dict) else {})
    return None


def _check_event(obj: dict[str, JSON]) -> ChildEvent:
    name, status = str(obj["name"]), obj.get("status")
    if status == "ok":
        slots, same = obj.get("slots"), obj.get("same")
        return CheckRan(name, slots if isinstance(slots, dict) else {},
                        same if isinstance(same, dict) else {})
    if status == "error":
        step = obj.get("step")
        return CheckRaised(name, step if isinstance(step, int) and not isinstance(step, bool)
                           else None,
                           ExcInfo.from_json(obj.get("exc")))
    return CheckInvalid(name, InvalidInfo.from_json(obj))


# -- the fork server's reply ------------------------------------------------------------------


def _result_int(res: dict[str, JSON], key: str, hi: int) -> int | None:
    v = res.get(key)
    return v if _is_int(v) and 0 <= v <= hi else None  # type: ignore[operator,return-value]


def _result_float(res: dict[str, JSON], key: str) -> float | None:
    v = res.get(key)
    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
        return float(v)
    return None


def _result_str(res: dict[str, JSON], key: str) -> str:
    v = res.get(key)
    return v if isinstance(v, str) else ""


def check_result(res: RunResult | JSON) -> RunResult:
    """The fork server's reply as a ``RunResult``, every field well typed (a wrong field
    becomes its neutral value; the reply is never trusted blindly)."""
    if isinstance(res, RunResult):
        return res
    raw: dict[str, JSON] = res if isinstance(res, dict) else {}
    kb = raw.get("killed_by")
    maxrss = raw.get("maxrss_kb")
    return RunResult(
        exit_code=_result_int(raw, "exit_code", 255), signal=_result_int(raw, "signal", 255),
        killed_by=KilledBy(kb) if isinstance(kb, str) and kb in tuple(KilledBy) else None,
        finished=raw.get("finished") is True,
        cpu_s=_result_float(raw, "cpu_s"),
        maxrss_kb=maxrss if _is_int(maxrss) else None,  # type: ignore[arg-type]
        wall_s=_result_float(raw, "wall_s"),
        stdout=_result_str(raw, "stdout"), stderr=_result_str(raw, "stderr"),
        stdout_size=_result_int(raw, "stdout_size", MAX_INT) or 0,
        stderr_size=_result_int(raw, "stderr_size", MAX_INT) or 0,
        max_file_size=_result_int(raw, "max_file_size", MAX_INT) or 0,
        oom_kills=_result_int(raw, "oom_kills", MAX_INT) or 0,
        fsize_limit=_result_int(raw, "fsize_limit", MAX_INT) or 4 << 20,
        stream_truncated=raw.get("stream_truncated") is True,
        t_sent=_result_float(raw, "t_sent"), job=raw.get("job"))
