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
from typing import Any

# The first frame of every run, written by the child after its sandbox is complete and
# before any submission code runs.  Without it the submission never ran.
SANDBOXED = {"event": "sandboxed"}

MAX_INT = 2**53  # beyond this no honest frame has a number (ids, sizes, steps, lines)
MAX_STR = 8192
MAX_LIST = 4096
MAX_DEPTH = 8
MAX_STEPS = 1 << 20
MAX_LINE = 10**7

ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int8": 1, "int16": 2,
            "int32": 4, "int64": 8, "uint8": 1, "bool": 1}  # wire.DTYPES, without torch
EVENTS = ("sandboxed", "loaded", "start", "check", "import_error", "invalid", "forbidden",
          "trace", "done")
CHECK_STATUSES = ("ok", "error", "invalid")


class FrameError(ValueError):
    """A frame from the child is not one the grader's own child code would write."""


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _scan(v: Any, where: str, depth: int = 0) -> None:
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


def _str(obj: dict, key: str, where: str, *, required: bool = True) -> None:
    if key not in obj and not required:
        return
    if not isinstance(obj.get(key), str):
        raise FrameError(f"{where}: {key!r} must be a string")


def _int(obj: dict, key: str, where: str, lo: int, hi: int, *, optional: bool = False) -> None:
    v = obj.get(key)
    if v is None and optional:
        return
    if not _is_int(v) or not lo <= v <= hi:
        raise FrameError(f"{where}: {key!r} must be a whole number from {lo} to {hi}")


def _shape(v: Any, where: str) -> None:
    if not isinstance(v, list) or len(v) > 16 or not all(
            _is_int(s) and 0 <= s < 2**31 for s in v):
        raise FrameError(f"{where}: bad shape")


def _exc(v: Any, where: str) -> None:
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


def _tensor_meta(meta: Any, where: str, blob_len: int) -> None:
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


def _check(obj: dict, where: str, blob_len: int) -> None:
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


def check_frame(obj: Any, blob_len: int, index: int = 0) -> None:
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


# -- the fork server's reply ------------------------------------------------------------------

_RESULT_INTS = ("stdout_size", "stderr_size", "max_file_size", "oom_kills", "fsize_limit")


def check_result(res: Any) -> dict[str, Any]:
    """The fork server's reply with every field the assembler reads made well typed
    (a wrong field becomes its neutral value; the reply is never trusted blindly)."""
    if not isinstance(res, dict):
        res = {}
    out = dict(res)
    for key in ("exit_code", "signal"):
        v = res.get(key)
        out[key] = v if _is_int(v) and 0 <= v < 256 else None
    for key in _RESULT_INTS:
        v = res.get(key)
        out[key] = v if _is_int(v) and 0 <= v <= MAX_INT else 0
    if not out["fsize_limit"]:
        out["fsize_limit"] = 4 << 20
    for key in ("wall_s", "cpu_s", "t_sent"):
        v = res.get(key)
        out[key] = float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) \
            and math.isfinite(v) else None
    for key in ("stdout", "stderr"):
        out[key] = res.get(key) if isinstance(res.get(key), str) else ""
    for key in ("stream_truncated", "finished"):
        out[key] = res.get(key) is True
    kb = res.get("killed_by")
    out["killed_by"] = kb if kb in ("timeout", "cancel", "stream_limit") else None
    return out
