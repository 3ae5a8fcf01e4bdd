"""Message framing between the client, the worker, its fork server and the sandboxed child.

A frame is ``u32 json_len | u32 blob_len | JSON (UTF-8) | blob``.  JSON carries structure,
the blob carries raw tensor bytes referenced from the JSON by ``off``/``n``.  Nothing is
ever pickled.  This module imports neither torch nor textual.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from collections.abc import Mapping

from .contract import ChildEvent, Job, JsonObject, JsonValue, event_json

_HEADER = struct.Struct("<II")
MAX_JSON = 16 << 20
MAX_BLOB = 256 << 20


class ProtocolError(Exception):
    pass


def encode(obj: Mapping[str, JsonValue], blob: bytes | bytearray | memoryview = b"") -> bytes:
    data = json.dumps(obj, separators=(",", ":"), allow_nan=True).encode()
    return _HEADER.pack(len(data), len(blob)) + data + bytes(blob)


def encode_event(event: ChildEvent, blob: bytes = b"") -> bytes:
    """The frame of one of the child's events."""
    return encode(event_json(event), blob)


def encode_job(job: Job, plan_json: str, blob: bytes) -> bytes:
    """A run's frame, with the exercise's plan spliced in as the JSON text the worker
    caches (so a warm grade never serializes the plan again)."""
    head = json.dumps(job.head_json(), separators=(",", ":"))
    data = (head[:-1] + ',"plan":' + plan_json + "}").encode()
    return _HEADER.pack(len(data), len(blob)) + data + blob


def write_frame(fd: int, obj: Mapping[str, JsonValue], blob: bytes = b"") -> None:
    write_all(fd, encode(obj, blob))


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        view = view[n:]


def read_exact(fd: int, n: int, deadline: float | None = None) -> bytes:
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("timed out reading a frame")
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except InterruptedError:
            continue
        except BlockingIOError:
            select.select([fd], [], [], 0.5)
            continue
        if not chunk:
            raise EOFError("connection closed")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, deadline: float | None = None) -> tuple[JsonObject, bytes]:
    jl, bl = _HEADER.unpack(read_exact(fd, _HEADER.size, deadline))
    if jl > MAX_JSON or bl > MAX_BLOB:
        raise ProtocolError("frame too large")
    obj = json.loads(read_exact(fd, jl, deadline)) if jl else {}
    blob = read_exact(fd, bl, deadline) if bl else b""
    if not isinstance(obj, dict):
        raise ProtocolError("frame is not a JSON object")
    return obj, blob


def read_frame_raw(fd: int, deadline: float | None = None
                   ) -> tuple[JsonObject, bytes, bytes]:
    """Like ``read_frame``, also returning the frame's exact bytes (to forward it)."""
    head = read_exact(fd, _HEADER.size, deadline)
    jl, bl = _HEADER.unpack(head)
    if jl > MAX_JSON or bl > MAX_BLOB:
        raise ProtocolError("frame too large")
    data = read_exact(fd, jl, deadline) if jl else b""
    blob = read_exact(fd, bl, deadline) if bl else b""
    obj = json.loads(data) if jl else {}
    if not isinstance(obj, dict):
        raise ProtocolError("frame is not a JSON object")
    return obj, blob, head + data + blob


def split_frames(data: bytes, *, max_json: int = 1 << 20
                 ) -> tuple[list[tuple[JsonObject, bytes]], str | None]:
    """Parse a complete byte stream of frames from an *untrusted* writer.

    Returns the frames parsed before the first problem, and a description of that
    problem (``None`` when the whole stream was well formed).
    """
    frames: list[tuple[JsonObject, bytes]] = []
    pos, end = 0, len(data)
    while pos < end:
        if end - pos < _HEADER.size:
            return frames, "truncated frame header"
        jl, bl = _HEADER.unpack_from(data, pos)
        pos += _HEADER.size
        if jl > max_json or pos + jl + bl > end:
            return frames, "truncated or oversized frame"
        try:
            obj = json.loads(data[pos:pos + jl])
        except (ValueError, UnicodeDecodeError, RecursionError):
            return frames, "malformed frame"
        if not isinstance(obj, dict):
            return frames, "malformed frame"
        pos += jl
        frames.append((obj, data[pos:pos + bl]))
        pos += bl
    return frames, None
