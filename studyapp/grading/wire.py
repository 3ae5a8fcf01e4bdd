"""Raw tensor transport: dtype + shape + bytes, never pickle (imports torch).

A value in a plan or a result is JSON: a plain JSON scalar is ``{"py": v}``, a sequence is
``{"seq": [values]}``, a generator is ``{"gen": seed}``, a tensor is ``{"t": meta}`` where
``meta = {"dtype", "shape", "off", "n", "layout"}`` points into the frame's blob.
``layout`` re-creates odd memory layouts on the receiving side: ``contiguous``,
``transposed`` (last two dims swapped in memory) or ``strided`` (every other element of a
twice-as-wide buffer), so non-contiguous inputs survive the trip.
"""

from __future__ import annotations

import math

import torch

from .contract import JsonObject, JsonValue

DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
LAYOUTS = ("contiguous", "transposed", "strided")
MAX_DIMS = 8


class WireError(ValueError):
    pass


class Generator:
    """Marker for a ``torch.Generator`` argument seeded with ``seed`` (built on the device)."""

    __slots__ = ("seed",)

    def __init__(self, seed: int):
        self.seed = int(seed)

    def __repr__(self) -> str:
        return f"Generator(seed={self.seed})"


class BlobWriter:
    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> tuple[int, int]:
        off = self.size
        self.parts.append(data)
        self.size += len(data)
        return off, len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def tensor_bytes(t: torch.Tensor) -> bytes:
    t = t.detach().to("cpu").contiguous()
    if t.numel() == 0:
        return b""
    return t.reshape(-1).view(torch.uint8).numpy().tobytes()


def dtype_name(dtype: torch.dtype) -> str:
    try:
        return DTYPE_NAMES[dtype]
    except KeyError:
        raise WireError(f"unsupported dtype {dtype}") from None


def encode_tensor(t: torch.Tensor, blob: BlobWriter, layout: str = "contiguous"
                  ) -> JsonObject:
    off, n = blob.add(tensor_bytes(t))
    return {"dtype": dtype_name(t.dtype), "shape": list(t.shape), "off": off, "n": n,
            "layout": layout}


def encode_value(v: object, blob: BlobWriter, layout: str = "contiguous") -> JsonObject:
    if isinstance(v, torch.Tensor):
        return {"t": encode_tensor(v, blob, layout)}
    if isinstance(v, Generator):
        return {"gen": v.seed}
    if isinstance(v, (list, tuple)):
        return {"seq": [encode_value(x, blob) for x in v]}
    if v is None or isinstance(v, (bool, int, float, str)):
        return {"py": v}
    raise WireError(f"cannot send a {type(v).__name__} to the sandbox")


def check_meta(meta: JsonValue, blob_len: int) -> tuple[torch.dtype, tuple[int, ...], int, int]:
    """Validate tensor metadata from an untrusted writer."""
    if not isinstance(meta, dict):
        raise WireError("tensor metadata is not an object")
    dtype = DTYPES.get(meta.get("dtype"))  # type: ignore[arg-type]
    shape = meta.get("shape")
    off, n = meta.get("off"), meta.get("n")
    if dtype is None:
        raise WireError(f"unsupported dtype {meta.get('dtype')!r}")
    if (not isinstance(shape, list) or len(shape) > MAX_DIMS + 1
            or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**31
                       for s in shape)):
        raise WireError("bad shape")
    if not (isinstance(off, int) and isinstance(n, int) and 0 <= off and 0 <= n
            and off + n <= blob_len):
        raise WireError("tensor bytes out of range")
    itemsize = torch.empty((), dtype=dtype).element_size()
    if math.prod(shape) * itemsize != n:
        raise WireError("byte count does not match shape and dtype")
    return dtype, tuple(shape), off, n


def decode_tensor(meta: JsonValue, blob: bytes | memoryview, device: str | torch.device = "cpu"
                  ) -> torch.Tensor:
    dtype, shape, off, n = check_meta(meta, len(blob))
    if n == 0:
        flat = torch.empty(0, dtype=dtype)
    else:
        flat = torch.frombuffer(bytearray(blob[off:off + n]), dtype=dtype)
    t = flat.reshape(shape)
    layout = meta.get("layout", "contiguous") if isinstance(meta, dict) else "contiguous"
    if layout == "transposed" and t.dim() >= 2:
        t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
    elif layout == "strided" and t.dim() >= 1:
        base = torch.zeros(*shape[:-1], 2 * shape[-1], dtype=dtype)
        base[..., ::2] = t
        t = base[..., ::2]
    if str(device) != "cpu":
        # Keep the odd layout on the device too.
        if layout in ("transposed", "strided") and t.dim() >= 1 and not t.is_contiguous():
            if layout == "transposed" and t.dim() >= 2:
                t = t.contiguous().to(device).transpose(-1, -2).contiguous().transpose(-1, -2)
            else:
                base = torch.zeros(*shape[:-1], 2 * shape[-1], dtype=dtype, device=device)
                base[..., ::2] = t.to(device)
                t = base[..., ::2]
        else:
            t = t.to(device)
    return t


def decode_value(v: JsonValue, blob: bytes | memoryview, device: str | torch.device = "cpu"
                 ) -> object:
    if not isinstance(v, dict) or len(v) != 1:
        raise WireError("bad value")
    (kind, x), = v.items()
    if kind == "py":
        return x
    if kind == "t":
        return decode_tensor(x, blob, device)
    if kind == "gen":
        g = torch.Generator(device=device)
        g.manual_seed(int(x))
        return g
    if kind == "seq":
        return tuple(decode_value(e, blob, device) for e in x)
    raise WireError(f"unknown value kind {kind!r}")


def slice_step(v: object, k: int, layout: str, device: str | torch.device) -> object:
    """The value of a per-step input at step ``k`` (tensor rows or sequence items)."""
    if isinstance(v, torch.Tensor):
        t = v[k]
        if layout == "transposed" and t.dim() >= 2:
            t = t.transpose(-1, -2).contiguous().transpose(-1, -2)
        elif layout == "strided" and t.dim() >= 1:
            base = torch.zeros(*t.shape[:-1], 2 * t.shape[-1], dtype=t.dtype, device=t.device)
            base[..., ::2] = t
            t = base[..., ::2]
        else:
            t = t.clone()
        return t
    if isinstance(v, tuple):
        return v[k]
    raise WireError("per-step values must be a stacked tensor or a sequence")
